using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/spatial.cu: padding/cropping and nearest upsampling.</summary>
public sealed partial class CpuBackend
{
    public void Pad2DForward(Tensor x, Tensor y, Pad2DGeometry g) => FloatDispatch.Run(x, new Pad2DPlanes(x, y, g, Backward: false));

    public void Pad2DBackward(Tensor dy, Tensor dx, Pad2DGeometry g) => FloatDispatch.Run(dy, new Pad2DPlanes(dy, dx, g, Backward: true));

    /// <summary>Forward: x → y; backward: dy → dx.</summary>
    private readonly record struct Pad2DPlanes(Tensor From, Tensor To, Pad2DGeometry G, bool Backward) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var g = G;
            if (Backward) Pad2DGrad<T>(From, To, g.Planes, g.H, g.W, g.Top, g.Left, g.OH, g.OW);
            else Pad2D<T>(From, To, g.Planes, g.H, g.W, g.Top, g.Left, g.OH, g.OW);
        }
    }

    private static void Pad2D<T>(Tensor xt, Tensor yt, int planes, int h, int w, int top, int left, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.ForEachPlane(planes, (long)oh * ow, (xt, yt, h, w, top, left, oh, ow), static (s, p) =>
        {
            var (xt, yt, h, w, top, left, oh, ow) = s;
            var x = xt.Span<T>().Slice(p * h * w, h * w);
            var y = yt.Span<T>().Slice(p * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (iy, ix) = (oy - top, ox - left);
                    y[oy * ow + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[iy * w + ix] : T.Zero;
                }
        });
    }

    private static void Pad2DGrad<T>(Tensor dyt, Tensor dxt, int planes, int h, int w, int top, int left, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.ForEachPlane(planes, (long)h * w, (dyt, dxt, h, w, top, left, oh, ow), static (s, p) =>
        {
            var (dyt, dxt, h, w, top, left, oh, ow) = s;
            var g = dyt.Span<T>().Slice(p * oh * ow, oh * ow);
            var dx = dxt.Span<T>().Slice(p * h * w, h * w);
            for (var iy = 0; iy < h; iy++)
                for (var ix = 0; ix < w; ix++)
                {
                    var (oy, ox) = (iy + top, ix + left);
                    if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) dx[iy * w + ix] += g[oy * ow + ox];
                }
        });
    }

    public void UpSampling2DForward(Tensor x, Tensor y, UpSampling2DGeometry g) => FloatDispatch.Run(x, new UpSamplingPlanes(x, y, g, Backward: false));

    public void UpSampling2DBackward(Tensor dy, Tensor dx, UpSampling2DGeometry g) => FloatDispatch.Run(dy, new UpSamplingPlanes(dy, dx, g, Backward: true));

    /// <summary>Forward: x → y; backward: dy → dx.</summary>
    private readonly record struct UpSamplingPlanes(Tensor From, Tensor To, UpSampling2DGeometry G, bool Backward) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var g = G;
            if (Backward) UpSamplingGrad<T>(From, To, g.Planes, g.H, g.W, g.SH, g.SW);
            else UpSampling<T>(From, To, g.Planes, g.H, g.W, g.SH, g.SW);
        }
    }

    private static void UpSampling<T>(Tensor xt, Tensor yt, int planes, int h, int w, int sh, int sw) where T : unmanaged
    {
        var (oh, ow) = (h * sh, w * sw);
        ForEachPlane(planes, (long)oh * ow, p =>
        {
            var x = xt.Span<T>().Slice(p * h * w, h * w);
            var y = yt.Span<T>().Slice(p * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++) y[oy * ow + ox] = x[oy / sh * w + ox / sw];
        });
    }

    private static void UpSamplingGrad<T>(Tensor dyt, Tensor dxt, int planes, int h, int w, int sh, int sw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (oh, ow) = (h * sh, w * sw);
        ForEachPlane(planes, (long)oh * ow, p =>
        {
            var g = dyt.Span<T>().Slice(p * oh * ow, oh * ow);
            var dx = dxt.Span<T>().Slice(p * h * w, h * w);
            for (var iy = 0; iy < h; iy++)
                for (var ix = 0; ix < w; ix++)
                {
                    var sum = T.Zero;
                    for (var a = 0; a < sh; a++)
                        for (var b = 0; b < sw; b++) sum += g[(iy * sh + a) * ow + ix * sw + b];
                    dx[iy * w + ix] += sum;
                }
        });
    }

}
