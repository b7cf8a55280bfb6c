using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/depthwise.cu: depthwise convolution (direct loops, one output plane
/// per task) and the dilated im2col pair used by Conv2D when dilation &gt; 1. float32 with a column
/// stride of 1 takes the row-vector loops of CpuBackend.DepthwiseFloat.cs instead.</summary>
public sealed partial class CpuBackend
{
    public void DepthwiseConv2DForward(Tensor x, Tensor filt, Tensor y, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        if (IsF32(x, "depthwise_conv2d_forward") && sw == 1) DepthwiseRowsFloat(x, filt, y, n, c, h, w, m, kh, kw, sh, ph, pw, dh, dw, oh, ow);
        else if (x.DType == DType.Float32) Depthwise<float>(x, filt, y, n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        else Depthwise<double>(x, filt, y, n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    internal static void Depthwise<T>(Tensor xt, Tensor ft, Tensor yt, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var channels = c * m;
        ForEachPlane(n * channels, (long)kh * kw * oh * ow, plane =>
        {
            var (b, f) = (plane / channels, plane % channels);
            var x = xt.Span<T>().Slice((b * c + f / m) * h * w, h * w);
            var k = ft.Span<T>().Slice(f * kh * kw, kh * kw);
            var y = yt.Span<T>().Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var sum = T.Zero;
                    for (var i = 0; i < kh; i++)
                    {
                        var iy = oy * sh - ph + i * dh;
                        if (iy < 0 || iy >= h) continue;
                        for (var j = 0; j < kw; j++)
                        {
                            var ix = ox * sw - pw + j * dw;
                            if (ix >= 0 && ix < w) sum += x[iy * w + ix] * k[i * kw + j];
                        }
                    }
                    y[oy * ow + ox] = sum;
                }
        });
    }

    public void DepthwiseConv2DBackwardInput(Tensor dy, Tensor filt, Tensor dx, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        if (IsF32(dy, "depthwise_conv2d_backward_input") && sw == 1) DepthwiseGradInputRowsFloat(dy, filt, dx, n, c, h, w, m, kh, kw, sh, ph, pw, dh, dw, oh, ow);
        else if (dy.DType == DType.Float32) DepthwiseGradInput<float>(dy, filt, dx, n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        else DepthwiseGradInput<double>(dy, filt, dx, n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    /// <summary>Scatters each output gradient back over the input pixels its window read; each task
    /// owns one input plane (all m output channels that read it), so tasks never share memory.</summary>
    internal static void DepthwiseGradInput<T>(Tensor dyt, Tensor ft, Tensor dxt, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForEachPlane(n * c, (long)m * kh * kw * oh * ow, plane =>
        {
            var (b, ci) = (plane / c, plane % c);
            var dx = dxt.Span<T>().Slice(plane * h * w, h * w);
            for (var q = 0; q < m; q++)
            {
                var f = ci * m + q;
                var g = dyt.Span<T>().Slice((b * c * m + f) * oh * ow, oh * ow);
                var k = ft.Span<T>().Slice(f * kh * kw, kh * kw);
                for (var oy = 0; oy < oh; oy++)
                    for (var ox = 0; ox < ow; ox++)
                    {
                        var go = g[oy * ow + ox];
                        for (var i = 0; i < kh; i++)
                        {
                            var iy = oy * sh - ph + i * dh;
                            if (iy < 0 || iy >= h) continue;
                            for (var j = 0; j < kw; j++)
                            {
                                var ix = ox * sw - pw + j * dw;
                                if (ix >= 0 && ix < w) dx[iy * w + ix] += go * k[i * kw + j];
                            }
                        }
                    }
            }
        });
    }

    public void DepthwiseConv2DBackwardFilter(Tensor x, Tensor dy, Tensor dfilt, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        if (IsF32(x, "depthwise_conv2d_backward_filter") && sw == 1) DepthwiseGradFilterRowsFloat(x, dy, dfilt, n, c, h, w, m, kh, kw, sh, ph, pw, dh, dw, oh, ow);
        else if (x.DType == DType.Float32) DepthwiseGradFilter<float>(x, dy, dfilt, n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        else DepthwiseGradFilter<double>(x, dy, dfilt, n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    /// <summary>One task per output channel f: its kh·kw filter gradient summed over the batch in a fixed order.</summary>
    internal static void DepthwiseGradFilter<T>(Tensor xt, Tensor dyt, Tensor dft, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var channels = c * m;
        ForEachPlane(channels, (long)n * kh * kw * oh * ow, f =>
        {
            var df = dft.Span<T>().Slice(f * kh * kw, kh * kw);
            for (var i = 0; i < kh; i++)
                for (var j = 0; j < kw; j++)
                {
                    var sum = T.Zero;
                    for (var b = 0; b < n; b++)
                    {
                        var x = xt.Span<T>().Slice((b * c + f / m) * h * w, h * w);
                        var g = dyt.Span<T>().Slice((b * channels + f) * oh * ow, oh * ow);
                        for (var oy = 0; oy < oh; oy++)
                        {
                            var iy = oy * sh - ph + i * dh;
                            if (iy < 0 || iy >= h) continue;
                            for (var ox = 0; ox < ow; ox++)
                            {
                                var ix = ox * sw - pw + j * dw;
                                if (ix >= 0 && ix < w) sum += g[oy * ow + ox] * x[iy * w + ix];
                            }
                        }
                    }
                    df[i * kw + j] += sum;
                }
        });
    }

    public void Im2ColDilated(Tensor x, Tensor col, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        if (IsF32(x, "im2col_dilated")) Im2Col<float>(x, col, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw);
        else Im2Col<double>(x, col, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw);
    }

    public void Col2ImDilated(Tensor col, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        if (IsF32(col, "col2im_dilated")) Col2Im<float>(col, dx, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw);
        else Col2Im<double>(col, dx, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw);
    }
}
