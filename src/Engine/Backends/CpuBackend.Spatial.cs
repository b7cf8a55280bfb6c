using System.Numerics;
using System.Runtime.CompilerServices;
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
            if (typeof(T) == typeof(float)) Pad2DFloat(From, To, g, Backward, assign: false);
            else if (Backward) Pad2DGrad<T>(From, To, g.Planes, g.H, g.W, g.Top, g.Left, g.OH, g.OW);
            else Pad2D<T>(From, To, g.Planes, g.H, g.W, g.Top, g.Left, g.OH, g.OW);
        }
    }

    /// <summary>Float32 padding/cropping by rows: each output row is its copied middle with zeroed
    /// ends (forward), each input row the copied inside part of its gradient row (backward; added
    /// when not <paramref name="assign"/>, and then ordered as the plain loop: one add per element).
    /// Several small planes per work item; each plane is written by one item, so the split never
    /// changes a value.</summary>
    internal static unsafe void Pad2DFloat(Tensor from, Tensor to, Pad2DGeometry g, bool backward, bool assign)
    {
        var perPlane = (long)g.OH * g.OW;
        var perItem = (int)Math.Max(1, PadItemElements / Math.Max(1, perPlane));
        CpuParallel.ForEachPlane((g.Planes + perItem - 1) / perItem, perItem * perPlane, (from, to, g, backward, assign, perItem), static (s, item) =>
        {
            var (from, to, g, backward, assign, perItem) = s;
            fixed (float* pf = from.Span<float>(), pt = to.Span<float>())
                for (var p = item * perItem; p < Math.Min(g.Planes, (item + 1) * perItem); p++)
                    if (backward) PadGradPlane(pf + (long)p * g.OH * g.OW, pt + (long)p * g.H * g.W, g, assign);
                    else PadPlane(pf + (long)p * g.H * g.W, pt + (long)p * g.OH * g.OW, g);
        });
    }

    /// <summary>Output elements per work item of the float32 padding kernels.</summary>
    private const int PadItemElements = 8192;

    /// <summary>The output columns [c0, c1) that come from the input (the rest are padding).</summary>
    private static (int C0, int C1) InsideColumns(Pad2DGeometry g) =>
        (Math.Clamp(g.Left, 0, g.OW), Math.Clamp(g.Left + g.W, 0, g.OW));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PadPlane(float* x, float* y, Pad2DGeometry g)
    {
        var (c0, c1) = InsideColumns(g);
        for (var oy = 0; oy < g.OH; oy++)
        {
            var row = y + (long)oy * g.OW;
            var iy = oy - g.Top;
            if (iy < 0 || iy >= g.H || c1 <= c0)
            {
                new Span<float>(row, g.OW).Clear();
                continue;
            }
            new Span<float>(row, c0).Clear();
            new ReadOnlySpan<float>(x + (long)iy * g.W + (c0 - g.Left), c1 - c0).CopyTo(new Span<float>(row + c0, c1 - c0));
            new Span<float>(row + c1, g.OW - c1).Clear();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PadGradPlane(float* dy, float* dx, Pad2DGeometry g, bool assign)
    {
        var (c0, c1) = InsideColumns(g);
        // Input columns [c0 − left, c1 − left) receive a gradient; the others (cropped away) get none.
        var (i0, i1) = (c0 - g.Left, c1 - g.Left);
        for (var iy = 0; iy < g.H; iy++)
        {
            var row = dx + (long)iy * g.W;
            var oy = iy + g.Top;
            if (oy < 0 || oy >= g.OH || i1 <= i0)
            {
                if (assign) new Span<float>(row, g.W).Clear();
                continue;
            }
            var src = new ReadOnlySpan<float>(dy + (long)oy * g.OW + c0, i1 - i0);
            if (assign)
            {
                new Span<float>(row, i0).Clear();
                // dy·1 + 0, not a copy: bitwise what clearing and adding gives (−0 becomes +0).
                SimdFloat.Affine(src, 1f, 0f, new Span<float>(row + i0, i1 - i0));
                new Span<float>(row + i1, g.W - i1).Clear();
            }
            else SimdFloat.Add(new ReadOnlySpan<float>(row + i0, i1 - i0), src, new Span<float>(row + i0, i1 - i0));
        }
    }

    internal static void Pad2D<T>(Tensor xt, Tensor yt, int planes, int h, int w, int top, int left, int oh, int ow)
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

    internal static void Pad2DGrad<T>(Tensor dyt, Tensor dxt, int planes, int h, int w, int top, int left, int oh, int ow)
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
