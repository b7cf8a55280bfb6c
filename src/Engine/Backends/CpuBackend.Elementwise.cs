using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void Axpy(double alpha, Tensor x, Tensor y, int n) => FloatDispatch.Run(x, new AxpyKernel(alpha, x, y, n));

    /// <summary>float32 runs the SIMD loop with alpha rounded to float; float64 multiplies in double.</summary>
    private readonly record struct AxpyKernel(double Alpha, Tensor X, Tensor Y, int N) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                RunSimd(new SimdJob(SimdLoop.Axpy, X, null, Y, N, Alpha: (float)Alpha));
                return;
            }
            var px = X.Span<double>();
            var py = Y.Span<double>();
            for (var i = 0; i < N; i++) py[i] += Alpha * px[i];
        }
    }

    public void AffineForward(Tensor x, Tensor y, double scale, double shift, int n) =>
        FloatDispatch.Run(x, new AffineForwardKernel(x, y, scale, shift, n));

    /// <summary>float32 runs the SIMD loop with scale and shift rounded to float; float64 computes in double.</summary>
    private readonly record struct AffineForwardKernel(Tensor X, Tensor Y, double Scale, double Shift, int N) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                RunSimd(new SimdJob(SimdLoop.Affine, X, null, Y, N, Alpha: (float)Scale, Beta: (float)Shift));
                return;
            }
            var px = X.Span<double>();
            var py = Y.Span<double>();
            for (var i = 0; i < N; i++) py[i] = px[i] * Scale + Shift;
        }
    }

    private static void Binary<T>(Tensor a, Tensor b, Tensor y, int n, Func<T, T, T> f) where T : unmanaged
    {
        var pa = a.Span<T>();
        var pb = b.Span<T>();
        var py = y.Span<T>();
        for (var i = 0; i < n; i++) py[i] = f(pa[i], pb[i]);
    }
}
