using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/bias.cu.</summary>
public sealed partial class CpuBackend
{
    public void BiasAddForward(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner) =>
        FloatDispatch.Run(x, new BiasAddForwardKernel(x, bias, y, outer, channels, inner));

    private readonly record struct BiasAddForwardKernel(Tensor X, Tensor Bias, Tensor Y, int Outer, int Channels, int Inner) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float)) BiasAddFloat(X.Span<float>(), Bias.Span<float>(), Y.Span<float>(), Outer, Channels, Inner);
            else BiasAdd<T>(X, Bias, Y, Outer, Channels, Inner);
        }
    }

    /// <summary>BiasAdd for float32 with SIMD along the longest contiguous run: a whole row of channels
    /// when inner = 1 (dense layers), otherwise one channel's inner values (NCHW images).</summary>
    private static void BiasAddFloat(ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y, int outer, int channels, int inner)
    {
        for (var o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                var row = o * channels;
                SimdFloat.Add(x.Slice(row, channels), bias[..channels], y.Slice(row, channels));
                continue;
            }
            for (var c = 0; c < channels; c++)
            {
                var at = (o * channels + c) * inner;
                SimdFloat.AddScalar(x.Slice(at, inner), bias[c], y.Slice(at, inner));
            }
        }
    }

    private static void BiasAdd<T>(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var px = x.Span<T>();
        var pb = bias.Span<T>();
        var py = y.Span<T>();
        for (var o = 0; o < outer; o++)
            for (var c = 0; c < channels; c++)
            {
                var at = (o * channels + c) * inner;
                for (var i = 0; i < inner; i++) py[at + i] = px[at + i] + pb[c];
            }
    }

    public void BiasAddBackward(Tensor dy, Tensor dbias, int outer, int channels, int inner) =>
        FloatDispatch.Run(dy, new BiasAddBackwardKernel(dy, dbias, outer, channels, inner));

    /// <summary>Dense layers (inner = 1) sum strided columns with the plain loop in every type; float32
    /// images sum each channel's contiguous run with SIMD.</summary>
    private readonly record struct BiasAddBackwardKernel(Tensor Dy, Tensor Dbias, int Outer, int Channels, int Inner) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float) && Inner != 1) BiasGradFloat(Dy.Span<float>(), Dbias.Span<float>(), Outer, Channels, Inner);
            else BiasGrad<T>(Dy, Dbias, Outer, Channels, Inner);
        }
    }

    /// <summary>BiasGrad for float32 images: each channel's contiguous inner run summed with SIMD.</summary>
    private static void BiasGradFloat(ReadOnlySpan<float> g, Span<float> db, int outer, int channels, int inner)
    {
        for (var c = 0; c < channels; c++)
        {
            var sum = 0f;
            for (var o = 0; o < outer; o++) sum += SimdFloat.Sum(g.Slice((o * channels + c) * inner, inner));
            db[c] += sum;
        }
    }

    private static void BiasGrad<T>(Tensor dy, Tensor dbias, int outer, int channels, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = dy.Span<T>();
        var db = dbias.Span<T>();
        for (var c = 0; c < channels; c++)
        {
            var sum = T.Zero;
            for (var o = 0; o < outer; o++)
            {
                var at = (o * channels + c) * inner;
                for (var i = 0; i < inner; i++) sum += g[at + i];
            }
            db[c] += sum;
        }
    }
}
