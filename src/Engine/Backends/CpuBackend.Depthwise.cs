using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/depthwise.cu: depthwise convolution (direct loops, one output plane
/// per task). float32 with a column stride of 1 takes the row-vector loops of
/// CpuBackend.DepthwiseFloat.cs instead.</summary>
public sealed partial class CpuBackend
{
    public void DepthwiseConv2DForward(Tensor x, Tensor filt, Tensor y, Conv2DGeometry g) =>
        FloatDispatch.Run(x, new DepthwisePass(DepthwiseStep.Forward, x, filt, y, g.RequireDepthwise()));

    public void DepthwiseConv2DBackwardInput(Tensor dy, Tensor filt, Tensor dx, Conv2DGeometry g) =>
        FloatDispatch.Run(dy, new DepthwisePass(DepthwiseStep.InputGrad, dy, filt, dx, g.RequireDepthwise()));

    public void DepthwiseConv2DBackwardFilter(Tensor x, Tensor dy, Tensor dfilt, Conv2DGeometry g) =>
        FloatDispatch.Run(x, new DepthwisePass(DepthwiseStep.FilterGrad, x, dy, dfilt, g.RequireDepthwise()));

    private enum DepthwiseStep { Forward, InputGrad, FilterGrad }

    /// <summary>One depthwise pass that reads A and B and writes C: forward (x, filter → y), input
    /// gradient (dy, filter → dx) or filter gradient (x, dy → dfilter). float32 with a column stride
    /// of 1 takes the row loops of CpuBackend.DepthwiseFloat.cs.</summary>
    private readonly record struct DepthwisePass(DepthwiseStep Step, Tensor A, Tensor B, Tensor C, Conv2DGeometry G) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var g = G;
            if (typeof(T) == typeof(float) && g.SW == 1)
            {
                if (Step == DepthwiseStep.Forward) DepthwiseRowsFloat(A, B, C, g);
                else if (Step == DepthwiseStep.InputGrad) DepthwiseGradInputRowsFloat(A, B, C, g);
                else DepthwiseGradFilterRowsFloat(A, B, C, g);
            }
            else if (Step == DepthwiseStep.Forward) Depthwise<T>(A, B, C, g);
            else if (Step == DepthwiseStep.InputGrad) DepthwiseGradInput<T>(A, B, C, g);
            else DepthwiseGradFilter<T>(A, B, C, g);
        }
    }

    internal static void Depthwise<T>(Tensor xt, Tensor ft, Tensor yt, Conv2DGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.Multiplier, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.DH, geometry.DW, geometry.OH, geometry.OW);
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

    /// <summary>Scatters each output gradient back over the input pixels its window read; each task
    /// owns one input plane (all m output channels that read it), so tasks never share memory.</summary>
    internal static void DepthwiseGradInput<T>(Tensor dyt, Tensor ft, Tensor dxt, Conv2DGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.Multiplier, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.DH, geometry.DW, geometry.OH, geometry.OW);
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

    /// <summary>One task per output channel f: its kh·kw filter gradient summed over the batch in a fixed order.</summary>
    internal static void DepthwiseGradFilter<T>(Tensor xt, Tensor dyt, Tensor dft, Conv2DGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.Multiplier, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.DH, geometry.DW, geometry.OH, geometry.OW);
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
}
