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
                SimdFloat.Axpy((float)Alpha, X.Span<float>()[..N], Y.Span<float>()[..N]);
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
                SimdFloat.Affine(X.Span<float>()[..N], (float)Scale, (float)Shift, Y.Span<float>()[..N]);
                return;
            }
            var px = X.Span<double>();
            var py = Y.Span<double>();
            for (var i = 0; i < N; i++) py[i] = px[i] * Scale + Shift;
        }
    }

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

    private static void Binary<T>(Tensor a, Tensor b, Tensor y, int n, Func<T, T, T> f) where T : unmanaged
    {
        var pa = a.Span<T>();
        var pb = b.Span<T>();
        var py = y.Span<T>();
        for (var i = 0; i < n; i++) py[i] = f(pa[i], pb[i]);
    }

    private static void Unary<T>(Tensor x, Tensor y, int n, Func<T, T> f) where T : unmanaged
    {
        var px = x.Span<T>();
        var py = y.Span<T>();
        for (var i = 0; i < n; i++) py[i] = f(px[i]);
    }

    /// <summary>dx[i] += f(saved[i], dy[i]): the shape of every elementwise backward.</summary>
    private static void Grad<T>(Tensor saved, Tensor dy, Tensor dx, int n, Func<T, T, T> f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = saved.Span<T>();
        var g = dy.Span<T>();
        var d = dx.Span<T>();
        for (var i = 0; i < n; i++) d[i] += f(s[i], g[i]);
    }
}
