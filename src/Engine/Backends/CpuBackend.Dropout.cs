using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twin of kernels/dropout.cu.</summary>
public sealed partial class CpuBackend
{
    public void DropoutForward(Tensor x, Tensor y, Tensor mask, int n, double rate, ulong seed)
    {
        FloatDispatch.Run(x, new DropoutForwardKernel(x, y, mask, n, rate, seed));
    }

    private readonly record struct DropoutForwardKernel(Tensor X, Tensor Y, Tensor Mask, int N, double Rate, ulong Seed) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => Dropout<T>(X, Y, Mask, N, Rate, Seed);
    }

    /// <summary>The comparison u &lt; rate is made in double (u is an exact float, widened).</summary>
    private static void Dropout<T>(Tensor xt, Tensor yt, Tensor maskt, int n, double rate, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = xt.Span<T>();
        var y = yt.Span<T>();
        var mask = maskt.Span<T>();
        var keep = C<T>(1 / (1 - rate));
        for (var i = 0; i < n; i++)
        {
            mask[i] = CounterRng.Uniform(seed, (uint)i) < rate ? T.Zero : keep;
            y[i] = x[i] * mask[i];
        }
    }
}
