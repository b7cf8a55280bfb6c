using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>float32 depthwise convolution with a column stride of 1 (MobileNet's common case; any row
/// stride and dilation): every kernel tap is one vector axpy over a run of an output row, so the inner
/// loops have no bounds checks per element. Forward adds the taps in the same order as the plain loop
/// (element for element the same result); the gradients add in another order (rounding-level
/// differences). Tested against the plain loops of CpuBackend.Depthwise.cs.</summary>
public sealed partial class CpuBackend
{
    /// <summary>The output columns [first, last) whose tap at column offset <paramref name="shift"/>
    /// (= j·dw − pw) reads inside [0, w).</summary>
    private static (int First, int Last) TapColumns(int ow, int w, int shift) =>
        (Math.Clamp(-shift, 0, ow), Math.Clamp(w - shift, 0, ow));

    internal static void DepthwiseRowsFloat(Tensor xt, Tensor ft, Tensor yt, Conv2DGeometry geometry)
    {
        var (n, c, h, w, m, kh, kw, sh, ph, pw, dh, dw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.Multiplier, geometry.KH, geometry.KW, geometry.SH, geometry.PH, geometry.PW, geometry.DH, geometry.DW, geometry.OH, geometry.OW);
        var channels = c * m;
        ForEachPlane(n * channels, (long)kh * kw * oh * ow, plane =>
        {
            var (b, f) = (plane / channels, plane % channels);
            ReadOnlySpan<float> x = xt.Span<float>().Slice((b * c + f / m) * h * w, h * w);
            ReadOnlySpan<float> k = ft.Span<float>().Slice(f * kh * kw, kh * kw);
            var y = yt.Span<float>().Slice(plane * oh * ow, oh * ow);
            y.Clear();
            for (var oy = 0; oy < oh; oy++)
            {
                var row = y.Slice(oy * ow, ow);
                for (var i = 0; i < kh; i++)
                {
                    var iy = oy * sh - ph + i * dh;
                    if (iy < 0 || iy >= h) continue;
                    for (var j = 0; j < kw; j++)
                    {
                        var shift = j * dw - pw;
                        var (x0, x1) = TapColumns(ow, w, shift);
                        if (x1 > x0) SimdFloat.Axpy(k[i * kw + j], x.Slice(iy * w + x0 + shift, x1 - x0), row[x0..x1]);
                    }
                }
            }
        });
    }

    internal static void DepthwiseGradInputRowsFloat(Tensor dyt, Tensor ft, Tensor dxt, Conv2DGeometry geometry)
    {
        var (n, c, h, w, m, kh, kw, sh, ph, pw, dh, dw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.Multiplier, geometry.KH, geometry.KW, geometry.SH, geometry.PH, geometry.PW, geometry.DH, geometry.DW, geometry.OH, geometry.OW);
        ForEachPlane(n * c, (long)m * kh * kw * oh * ow, plane =>
        {
            var (b, ci) = (plane / c, plane % c);
            var dx = dxt.Span<float>().Slice(plane * h * w, h * w);
            for (var q = 0; q < m; q++)
            {
                var f = ci * m + q;
                ReadOnlySpan<float> g = dyt.Span<float>().Slice((b * c * m + f) * oh * ow, oh * ow);
                ReadOnlySpan<float> k = ft.Span<float>().Slice(f * kh * kw, kh * kw);
                for (var oy = 0; oy < oh; oy++)
                    for (var i = 0; i < kh; i++)
                    {
                        var iy = oy * sh - ph + i * dh;
                        if (iy < 0 || iy >= h) continue;
                        for (var j = 0; j < kw; j++)
                        {
                            var shift = j * dw - pw;
                            var (x0, x1) = TapColumns(ow, w, shift);
                            if (x1 > x0) SimdFloat.Axpy(k[i * kw + j], g.Slice(oy * ow + x0, x1 - x0), dx.Slice(iy * w + x0 + shift, x1 - x0));
                        }
                    }
            }
        });
    }

    internal static void DepthwiseGradFilterRowsFloat(Tensor xt, Tensor dyt, Tensor dft, Conv2DGeometry geometry)
    {
        var (n, c, h, w, m, kh, kw, sh, ph, pw, dh, dw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.Multiplier, geometry.KH, geometry.KW, geometry.SH, geometry.PH, geometry.PW, geometry.DH, geometry.DW, geometry.OH, geometry.OW);
        var channels = c * m;
        ForEachPlane(channels, (long)n * kh * kw * oh * ow, f =>
        {
            var df = dft.Span<float>().Slice(f * kh * kw, kh * kw);
            for (var i = 0; i < kh; i++)
                for (var j = 0; j < kw; j++)
                {
                    var shift = j * dw - pw;
                    var (x0, x1) = TapColumns(ow, w, shift);
                    if (x1 <= x0) continue;
                    var sum = 0f;
                    for (var b = 0; b < n; b++)
                    {
                        ReadOnlySpan<float> x = xt.Span<float>().Slice((b * c + f / m) * h * w, h * w);
                        ReadOnlySpan<float> g = dyt.Span<float>().Slice((b * channels + f) * oh * ow, oh * ow);
                        for (var oy = 0; oy < oh; oy++)
                        {
                            var iy = oy * sh - ph + i * dh;
                            if (iy >= 0 && iy < h) sum += Dot(g.Slice(oy * ow + x0, x1 - x0), x.Slice(iy * w + x0 + shift, x1 - x0));
                        }
                    }
                    df[i * kw + j] += sum;
                }
        });
    }

    /// <summary>Σ a[i]·b[i] in Vector&lt;float&gt;.Count interleaved partial sums, then the tail.</summary>
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var width = Vector<float>.Count;
        var sums = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - width; i += width) sums += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        var sum = Vector.Sum(sums);
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
