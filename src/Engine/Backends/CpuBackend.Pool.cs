using System.Numerics;
using System.Runtime.CompilerServices;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>CPU twins of kernels/pool.cu: max and average pooling, one (image, channel) plane per
/// task (see <see cref="ForEachPlane"/>).</summary>
public sealed partial class CpuBackend
{
    public void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, Pool2DGeometry g) => FloatDispatch.Run(x, new MaxPoolPlanes(x, y, argmax, g));

    /// <summary>float32 2×2 windows, stride 2, no padding take the vector kernel; other float32
    /// geometries the pointer kernel <see cref="MaxPoolFloat"/> (same comparisons as the plain loop).</summary>
    private readonly record struct MaxPoolPlanes(Tensor X, Tensor Y, Tensor Argmax, Pool2DGeometry G) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var g = G;
            if (typeof(T) == typeof(float) && g is { KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0 } && g.OH == g.H / 2 && g.OW == g.W / 2)
                MaxPool2x2Float(X, Y, Argmax, g.N * g.C, g.H, g.W, g.OH, g.OW);
            else if (typeof(T) == typeof(float)) MaxPoolAnyFloat(X, Y, Argmax, g);
            else MaxPool<T>(X, Y, Argmax, g);
        }
    }

    /// <summary>The 2×2, stride-2, unpadded case (MaxPooling2D(2)): a vector kernel, same results.
    /// Small planes go several to a work item (each writes only its own outputs, so the split never
    /// changes a value).</summary>
    internal static unsafe void MaxPool2x2Float(Tensor x, Tensor y, Tensor argmax, int planes, int h, int w, int oh, int ow, int? planesPerItem = null)
    {
        var perItem = planesPerItem ?? Math.Max(1, PoolItemElements / (h * w));
        CpuParallel.ForEachPlane((planes + perItem - 1) / perItem, (long)perItem * h * w, (x, y, argmax, planes, h, w, oh, ow, perItem), static (s, item) =>
        {
            var (x, y, argmax, planes, h, w, oh, ow, perItem) = s;
            fixed (float* px = x.Span<float>(), py = y.Span<float>())
            fixed (int* pa = argmax.Span<int>())
                for (var plane = item * perItem; plane < Math.Min(planes, (item + 1) * perItem); plane++)
                    MaxPool2x2.Plane(px + (long)plane * h * w, py + (long)plane * oh * ow, pa + (long)plane * oh * ow, w, oh, ow, plane * h * w);
        });
    }

    /// <summary>Float32 max pooling of any geometry by <see cref="MaxPoolFloat.Plane"/>, several small
    /// planes per work item (each plane is written by one item only, so the split never changes a value).</summary>
    internal static unsafe void MaxPoolAnyFloat(Tensor x, Tensor y, Tensor argmax, Pool2DGeometry g, int? planesPerItem = null)
    {
        var planes = g.N * g.C;
        var perItem = planesPerItem ?? Math.Max(1, PoolItemElements / Math.Max(1, g.KH * g.KW * g.OH * g.OW));
        CpuParallel.ForEachPlane((planes + perItem - 1) / perItem, (long)perItem * g.KH * g.KW * g.OH * g.OW, (x, y, argmax, g, planes, perItem), static (s, item) =>
        {
            var (x, y, argmax, g, planes, perItem) = s;
            var (inPlane, outPlane) = (g.H * g.W, g.OH * g.OW);
            var xs = x.Span<float>();
            fixed (float* px = xs, py = y.Span<float>())
            fixed (int* pa = argmax.Span<int>())
                for (var plane = item * perItem; plane < Math.Min(planes, (item + 1) * perItem); plane++)
                    MaxPoolFloat.Plane(px + (long)plane * inPlane, px + xs.Length, py + (long)plane * outPlane, pa + (long)plane * outPlane, g, plane * inPlane);
        });
    }

    /// <summary>Only elements inside the image are candidates, so padding never wins. Ties go to the
    /// first element in row-major window order. A window with no element inside the image (not
    /// possible with 'valid' or Keras 'same' padding) gives 0 and argmax -1.</summary>
    internal static void MaxPool<T>(Tensor xt, Tensor yt, Tensor argt, Pool2DGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (h, w, oh, ow) = (g.H, g.W, g.OH, g.OW);
        CpuParallel.ForEachPlane(g.N * g.C, (long)g.KH * g.KW * oh * ow, (xt, yt, argt, g), static (s, plane) =>
        {
            var (xt, yt, argt, g) = s;
            var (h, w, oh, ow) = (g.H, g.W, g.OH, g.OW);
            var x = xt.Span<T>().Slice(plane * h * w, h * w);
            var y = yt.Span<T>().Slice(plane * oh * ow, oh * ow);
            var arg = argt.Span<int>().Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1) = g.InsideWindow(oy, ox);
                    var (best, bestValue) = (-1, T.Zero);
                    for (var iy = y0; iy < y1; iy++)
                        for (var ix = x0; ix < x1; ix++)
                        {
                            var v = x[iy * w + ix];
                            if (best < 0 || v > bestValue) (best, bestValue) = (iy * w + ix, v);
                        }
                    y[oy * ow + ox] = bestValue;
                    arg[oy * ow + ox] = best < 0 ? -1 : plane * h * w + best;
                }
        });
    }

    public void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total) => FloatDispatch.Run(dy, new MaxPoolScatter(dy, argmax, dx, total));

    private readonly record struct MaxPoolScatter(Tensor Dy, Tensor Argmax, Tensor Dx, int Total) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => MaxPoolGrad<T>(Dy, Argmax, Dx, Total);
    }

    /// <summary>The float32 max-pool backward the tape runs. With <paramref name="assign"/> and the
    /// 2×2/stride-2 unpadded geometry (the windows tile the plane without overlap) every dx element
    /// is written once by the vector kernel <see cref="MaxPool2x2.PlaneGrad"/>: no clearing pass, no
    /// scatter, bitwise what clearing and scattering give. Otherwise <see cref="MaxPoolGradPlanes(Tensor, Tensor, Tensor, int, int, int, bool)"/>.</summary>
    internal static unsafe void MaxPoolGradPlanes(Tensor dy, Tensor argmax, Tensor dx, Pool2DGeometry g, bool assign)
    {
        if (!(assign && g is { KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0 } && g.OH == g.H / 2 && g.OW == g.W / 2))
        {
            MaxPoolGradPlanes(dy, argmax, dx, g.N * g.C, g.OH * g.OW, g.H * g.W, assign);
            return;
        }
        var (h, w, oh, ow) = (g.H, g.W, g.OH, g.OW);
        var planes = g.N * g.C;
        // Several small planes per work item (each plane is written by exactly one item, so the
        // split never changes a value).
        var perItem = Math.Max(1, PoolItemElements / (h * w));
        CpuParallel.ForEachPlane((planes + perItem - 1) / perItem, (long)perItem * h * w, (dy, argmax, dx, planes, h, w, oh, ow, perItem), static (s, item) =>
        {
            var (dy, argmax, dx, planes, h, w, oh, ow, perItem) = s;
            fixed (float* pdy = dy.Span<float>(), pdx = dx.Span<float>())
            fixed (int* pa = argmax.Span<int>())
                for (var plane = item * perItem; plane < Math.Min(planes, (item + 1) * perItem); plane++)
                    MaxPool2x2.PlaneGrad(pdy + (long)plane * oh * ow, pa + (long)plane * oh * ow, pdx + (long)plane * h * w, h, w, oh, ow, plane * h * w);
        });
    }

    /// <summary>Input elements per work item of the 2×2 max-pool kernels (6 planes of 26×26): enough to
    /// dwarf the cost of handing out an item.</summary>
    private const int PoolItemElements = 4096;

    /// <summary>MaxPool2DBackward for float32 one (image, channel) plane per work item: a plane's argmax
    /// indices point into its own input plane only, so planes never collide (overlapping windows
    /// inside a plane are summed in output order by one thread, as in the plain loop).</summary>
    /// With <paramref name="assign"/> dx's old contents are ignored: each input plane
    /// (<paramref name="inputsPerPlane"/> elements) is cleared just before its plane's scatter, so dx
    /// needs no zero fill first (bitwise the same as clearing dx and adding).</summary>
    internal static void MaxPoolGradPlanes(Tensor dy, Tensor argmax, Tensor dx, int planes, int outputsPerPlane, int inputsPerPlane, bool assign = false) =>
        CpuParallel.ForEachPlane(planes, outputsPerPlane * 4L, (dy, argmax, dx, outputsPerPlane, inputsPerPlane, assign),
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (s, plane) =>
        {
            var (dy, argmax, dx, outputsPerPlane, inputsPerPlane, assign) = s;
            var start = plane * outputsPerPlane;
            var g = dy.Span<float>().Slice(start, outputsPerPlane);
            var arg = argmax.Span<int>().Slice(start, outputsPerPlane);
            var d = dx.Span<float>();
            if (assign) d.Slice(plane * inputsPerPlane, inputsPerPlane).Clear();
            for (var o = 0; o < g.Length; o++)
                if (arg[o] >= 0) d[arg[o]] += g[o];
        });

    internal static void MaxPoolGrad<T>(Tensor dyt, Tensor argt, Tensor dxt, int total) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = dyt.Span<T>();
        var arg = argt.Span<int>();
        var d = dxt.Span<T>();
        for (var o = 0; o < total; o++)
            if (arg[o] >= 0) d[arg[o]] += g[o];
    }

    public void AvgPool2DForward(Tensor x, Tensor y, Pool2DGeometry g) => FloatDispatch.Run(x, new AvgPoolPlanes(x, y, g, Backward: false));

    public void AvgPool2DBackward(Tensor dy, Tensor dx, Pool2DGeometry g) => FloatDispatch.Run(dy, new AvgPoolPlanes(dy, dx, g, Backward: true));

    /// <summary>Forward: x → y; backward: dy → dx.</summary>
    private readonly record struct AvgPoolPlanes(Tensor From, Tensor To, Pool2DGeometry G, bool Backward) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Backward) AvgPoolGrad<T>(From, To, G);
            else AvgPool<T>(From, To, G);
        }
    }

    private static void AvgPool<T>(Tensor xt, Tensor yt, Pool2DGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (h, w, oh, ow) = (g.H, g.W, g.OH, g.OW);
        ForEachPlane(g.N * g.C, (long)g.KH * g.KW * oh * ow, plane =>
        {
            var x = xt.Span<T>().Slice(plane * h * w, h * w);
            var y = yt.Span<T>().Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1) = g.InsideWindow(oy, ox);
                    var sum = T.Zero;
                    for (var iy = y0; iy < y1; iy++)
                        for (var ix = x0; ix < x1; ix++) sum += x[iy * w + ix];
                    var count = (y1 - y0) * (x1 - x0);
                    y[oy * ow + ox] = count > 0 ? sum / T.CreateTruncating(count) : T.Zero;
                }
        });
    }

    private static void AvgPoolGrad<T>(Tensor dyt, Tensor dxt, Pool2DGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (h, w, oh, ow) = (g.H, g.W, g.OH, g.OW);
        ForEachPlane(g.N * g.C, (long)g.KH * g.KW * oh * ow, plane =>
        {
            var dyPlane = dyt.Span<T>().Slice(plane * oh * ow, oh * ow);
            var dx = dxt.Span<T>().Slice(plane * h * w, h * w);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1) = g.InsideWindow(oy, ox);
                    var count = (y1 - y0) * (x1 - x0);
                    if (count == 0) continue;
                    var share = dyPlane[oy * ow + ox] / T.CreateTruncating(count);
                    for (var iy = y0; iy < y1; iy++)
                        for (var ix = x0; ix < x1; ix++) dx[iy * w + ix] += share;
                }
        });
    }
}
