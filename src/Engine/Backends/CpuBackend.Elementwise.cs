using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void AddForward(Tensor a, Tensor b, Tensor y, int n)
    {
        if (IsF32(a, "add_forward")) SimdFloat.Add(a.Span<float>()[..n], b.Span<float>()[..n], y.Span<float>()[..n]);
        else Binary<double>(a, b, y, n, static (p, q) => p + q);
    }

    public void SubForward(Tensor a, Tensor b, Tensor y, int n)
    {
        if (IsF32(a, "sub_forward")) SimdFloat.Subtract(a.Span<float>()[..n], b.Span<float>()[..n], y.Span<float>()[..n]);
        else Binary<double>(a, b, y, n, static (p, q) => p - q);
    }

    public void MulForward(Tensor a, Tensor b, Tensor y, int n)
    {
        if (IsF32(a, "mul_forward")) SimdFloat.Multiply(a.Span<float>()[..n], b.Span<float>()[..n], y.Span<float>()[..n]);
        else Binary<double>(a, b, y, n, static (p, q) => p * q);
    }

    public void DivForward(Tensor a, Tensor b, Tensor y, int n)
    {
        if (IsF32(a, "div_forward")) Binary<float>(a, b, y, n, static (p, q) => p / q);
        else Binary<double>(a, b, y, n, static (p, q) => p / q);
    }

    private static void Binary<T>(Tensor a, Tensor b, Tensor y, int n, Func<T, T, T> f) where T : unmanaged
    {
        var pa = a.Span<T>();
        var pb = b.Span<T>();
        var py = y.Span<T>();
        for (var i = 0; i < n; i++) py[i] = f(pa[i], pb[i]);
    }

    public void MulBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        if (IsF32(dy, "mul_backward"))
        {
            var g = dy.Span<float>()[..n];
            if (da is not null) SimdFloat.MultiplyAccumulate(g, b.Span<float>()[..n], da.Span<float>()[..n]);
            if (db is not null) SimdFloat.MultiplyAccumulate(g, a.Span<float>()[..n], db.Span<float>()[..n]);
        }
        else MulBackward<double>(a, b, dy, da, db, n);
    }

    private static void MulBackward<T>(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var pa = a.Span<T>();
        var pb = b.Span<T>();
        var g = dy.Span<T>();
        if (da is not null) { var d = da.Span<T>(); for (var i = 0; i < n; i++) d[i] += g[i] * pb[i]; }
        if (db is not null) { var d = db.Span<T>(); for (var i = 0; i < n; i++) d[i] += g[i] * pa[i]; }
    }

    public void DivBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        if (IsF32(dy, "div_backward")) DivBackward<float>(a, b, dy, da, db, n);
        else DivBackward<double>(a, b, dy, da, db, n);
    }

    private static void DivBackward<T>(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var pa = a.Span<T>();
        var pb = b.Span<T>();
        var g = dy.Span<T>();
        if (da is not null) { var d = da.Span<T>(); for (var i = 0; i < n; i++) d[i] += g[i] / pb[i]; }
        if (db is not null) { var d = db.Span<T>(); for (var i = 0; i < n; i++) d[i] -= g[i] * pa[i] / (pb[i] * pb[i]); }
    }

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

    public void ExpForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "exp_forward")) Unary<float>(x, y, n, float.Exp); else Unary<double>(x, y, n, Math.Exp);
    }

    public void LogForward(Tensor x, Tensor y, int n)
    {
        if (IsF32(x, "log_forward")) Unary<float>(x, y, n, float.Log); else Unary<double>(x, y, n, Math.Log);
    }

    public void LogBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        if (IsF32(x, "log_backward")) Grad<float>(x, dy, dx, n, static (v, g) => g / v);
        else Grad<double>(x, dy, dx, n, static (v, g) => g / v);
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
