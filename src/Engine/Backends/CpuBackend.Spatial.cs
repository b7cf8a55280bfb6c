using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/spatial.cu: padding/cropping, nearest upsampling, N-d transpose.</summary>
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
        ForEachPlane(planes, (long)oh * ow, p =>
        {
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
        ForEachPlane(planes, (long)h * w, p =>
        {
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

    public void TransposeNd(Tensor x, Tensor y, int total, int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
        int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7)
    {
        int[] d = [d0, d1, d2, d3, d4, d5, d6, d7], s = [s0, s1, s2, s3, s4, s5, s6, s7];
        CheckSameType(x, y, KernelNames.Of());
        switch (x.DType)
        {
            case DType.Float32: TransposeNd<float>(x, y, total, d, s); break;
            case DType.Float64: TransposeNd<double>(x, y, total, d, s); break;
            case DType.Int32: TransposeNd<int>(x, y, total, d, s); break;
            default: throw new ArgumentException($"transpose_nd supports float32, float64 and int32; got {x.DType.Name()}.");
        }
    }

    private static void TransposeNd<T>(Tensor xt, Tensor yt, int total, int[] d, int[] s) where T : unmanaged
    {
        var x = xt.Span<T>();
        var y = yt.Span<T>();
        for (var o = 0; o < total; o++)
        {
            long rest = o, from = 0;
            for (var a = 7; a >= 0; a--)
            {
                from += rest % d[a] * s[a];
                rest /= d[a];
            }
            y[o] = x[(int)from];
        }
    }
}
