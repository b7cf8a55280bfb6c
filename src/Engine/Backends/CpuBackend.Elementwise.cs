using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{

    public void Axpy(double alpha, Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "axpy"))
        {
            SimdFloat.Axpy((float)alpha, x.Span<float>()[..n], y.Span<float>()[..n]);
        }
        else
        {
            var px = x.Span<double>();
            var py = y.Span<double>();
            for (var i = 0; i < n; i++) py[i] += alpha * px[i];
        }
    }

    public void AffineForward(Tensor x, Tensor y, double scale, double shift, int n)
    {
        if (IsF32(x, "affine_forward"))
        {
            SimdFloat.Affine(x.Span<float>()[..n], (float)scale, (float)shift, y.Span<float>()[..n]);
        }
        else
        {
            var px = x.Span<double>();
            var py = y.Span<double>();
            for (var i = 0; i < n; i++) py[i] = px[i] * scale + shift;
        }
    }

    public void BiasAddForward(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner)
    {
        if (IsF32(x, "bias_add_forward")) BiasAddFloat(x.Span<float>(), bias.Span<float>(), y.Span<float>(), outer, channels, inner);
        else BiasAdd<double>(x, bias, y, outer, channels, inner);
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

    public void BiasAddBackward(Tensor dy, Tensor dbias, int outer, int channels, int inner)
    {
        if (!IsF32(dy, "bias_add_backward")) BiasGrad<double>(dy, dbias, outer, channels, inner);
        else if (inner == 1) BiasGrad<float>(dy, dbias, outer, channels, inner); // dense: strided column sums
        else BiasGradFloat(dy.Span<float>(), dbias.Span<float>(), outer, channels, inner);
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
