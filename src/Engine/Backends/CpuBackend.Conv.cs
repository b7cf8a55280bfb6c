using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Convolution helpers and pooling. Every kernel here works one (image, channel) plane at a
/// time, and planes never write to each other's memory, so large calls run the planes in parallel.</summary>
public sealed partial class CpuBackend
{
    /// <summary>Below this many elements of work a call stays on one thread: starting tasks costs more.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Runs body(p) for p &lt; planes, in parallel when the call is big enough to pay for it.
    /// Callers guarantee that different planes write disjoint elements.</summary>
    internal static void ForEachPlane(int planes, long workPerPlane, Action<int> body)
    {
        if (planes > 1 && planes * workPerPlane >= ParallelThreshold) CpuParallel.For(planes, body);
        else for (var p = 0; p < planes; p++) body(p);
    }

    /// <summary>The output positions o in [0, outSize) whose input coordinate o·stride - pad + k lies
    /// inside [0, size): a contiguous range [first, last).</summary>
    private static (int First, int Last) InsideRange(int outSize, int size, int stride, int pad, int k)
    {
        var first = Math.Clamp(CeilDiv(pad - k, stride), 0, outSize);
        var last = Math.Min(outSize, CeilDiv(size + pad - k, stride));
        return (first, Math.Max(first, last));
    }

    /// <summary>Ceiling of a/b for b &gt; 0 and any sign of a (C#'s / truncates toward zero).</summary>
    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;

    public void Im2Col(Tensor x, Tensor col, Conv2DGeometry g) => FloatDispatch.Run(x, new Im2ColPlanes(x, col, g));

    /// <summary>float32 without dilation takes the vector loop of CpuBackend.Im2ColFloat.cs.</summary>
    private readonly record struct Im2ColPlanes(Tensor X, Tensor Col, Conv2DGeometry G) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float) && !G.Dilated) Im2ColFloat(X, Col, G.N, G.C, G.H, G.W, G.KH, G.KW, G.SH, G.SW, G.PH, G.PW, G.OH, G.OW);
            else Im2Col<T>(X, Col, G.N, G.C, G.H, G.W, G.KH, G.KW, G.SH, G.SW, G.PH, G.PW, G.OH, G.OW, G.DH, G.DW);
        }
    }

    /// <summary>The plain unfolding loop; dh/dw dilate the window (a tap i, j reads row i·dh, column j·dw).</summary>
    internal static void Im2Col<T>(Tensor xt, Tensor colt, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow, int dh = 1, int dw = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var columns = n * oh * ow;
        ForEachPlane(n * c, (long)kh * kw * oh * ow, plane =>
        {
            var (b, ci) = (plane / c, plane % c);
            var x = xt.Span<T>().Slice(plane * h * w, h * w);
            var col = colt.Span<T>();
            for (var i = 0; i < kh; i++)
                for (var j = 0; j < kw; j++)
                {
                    // Row (ci, i, j) of col, restricted to the columns of image b.
                    var row = col.Slice(((ci * kh + i) * kw + j) * columns + b * oh * ow, oh * ow);
                    var (x0, x1) = InsideRange(ow, w, sw, pw, j * dw);
                    for (var y = 0; y < oh; y++)
                    {
                        var dst = row.Slice(y * ow, ow);
                        var iy = y * sh - ph + i * dh;
                        if (iy < 0 || iy >= h) { dst.Clear(); continue; }
                        dst[..x0].Clear();
                        dst[x1..].Clear();
                        var src = x.Slice(iy * w);
                        if (sw == 1) src.Slice(x0 - pw + j * dw, x1 - x0).CopyTo(dst[x0..x1]);
                        else for (var ox = x0; ox < x1; ox++) dst[ox] = src[ox * sw - pw + j * dw];
                    }
                }
        });
    }

    public void Col2Im(Tensor col, Tensor dx, Conv2DGeometry g) => FloatDispatch.Run(col, new Col2ImPlanes(col, dx, g, Assign: false));

    /// <summary>Col2Im for Conv2D's fused float32 path: with <paramref name="assign"/> dx's old contents
    /// are ignored (see <see cref="Col2ImFloat"/>).</summary>
    internal static void Col2ImFloat(Tensor col, Tensor dx, Conv2DGeometry g, bool assign) =>
        Col2ImFloat(col, dx, g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW, assign);

    /// <summary>float32 without dilation takes the vector loop of CpuBackend.Im2ColFloat.cs.</summary>
    private readonly record struct Col2ImPlanes(Tensor Col, Tensor Dx, Conv2DGeometry G, bool Assign) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float) && !G.Dilated) Col2ImFloat(Col, Dx, G, Assign);
            else Col2Im<T>(Col, Dx, G.N, G.C, G.H, G.W, G.KH, G.KW, G.SH, G.SW, G.PH, G.PW, G.OH, G.OW, G.DH, G.DW);
        }
    }

    /// <summary>Im2Col run backwards: each col entry that Im2Col copied from x is added back to its place.</summary>
    internal static void Col2Im<T>(Tensor colt, Tensor dxt, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow, int dh = 1, int dw = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var columns = n * oh * ow;
        ForEachPlane(n * c, (long)kh * kw * oh * ow, plane =>
        {
            var (b, ci) = (plane / c, plane % c);
            var dx = dxt.Span<T>().Slice(plane * h * w, h * w);
            var col = colt.Span<T>();
            for (var i = 0; i < kh; i++)
                for (var j = 0; j < kw; j++)
                {
                    var row = col.Slice(((ci * kh + i) * kw + j) * columns + b * oh * ow, oh * ow);
                    var (x0, x1) = InsideRange(ow, w, sw, pw, j * dw);
                    for (var y = 0; y < oh; y++)
                    {
                        var iy = y * sh - ph + i * dh;
                        if (iy < 0 || iy >= h) continue;
                        var src = row.Slice(y * ow, ow);
                        var dst = dx.Slice(iy * w);
                        for (var ox = x0; ox < x1; ox++) dst[ox * sw - pw + j * dw] += src[ox];
                    }
                }
        });
    }

    public void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        if (!IsF32(x, "max_pool2d_forward")) MaxPool<double>(x, y, argmax, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        else if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && oh == h / 2 && ow == w / 2)
            MaxPool2x2Float(x, y, argmax, n * c, h, w, oh, ow);
        else MaxPool<float>(x, y, argmax, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    /// <summary>The 2×2, stride-2, unpadded case (MaxPooling2D(2)): a vector kernel, same results.</summary>
    private static unsafe void MaxPool2x2Float(Tensor x, Tensor y, Tensor argmax, int planes, int h, int w, int oh, int ow) =>
        ForEachPlane(planes, 4L * oh * ow, plane =>
        {
            fixed (float* px = x.Span<float>(), py = y.Span<float>())
            fixed (int* pa = argmax.Span<int>())
                MaxPool2x2.Plane(px + (long)plane * h * w, py + (long)plane * oh * ow, pa + (long)plane * oh * ow, w, oh, ow, plane * h * w);
        });

    /// <summary>Only elements inside the image are candidates, so padding never wins. Ties go to the
    /// first element in row-major window order. A window with no element inside the image (not
    /// possible with 'valid' or Keras 'same' padding) gives 0 and argmax -1.</summary>
    internal static void MaxPool<T>(Tensor xt, Tensor yt, Tensor argt, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForEachPlane(n * c, (long)kh * kw * oh * ow, plane =>
        {
            var x = xt.Span<T>().Slice(plane * h * w, h * w);
            var y = yt.Span<T>().Slice(plane * oh * ow, oh * ow);
            var arg = argt.Span<int>().Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1) = Window(oy, ox, h, w, kh, kw, sh, sw, ph, pw);
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

    /// <summary>The part [y0, y1) × [x0, x1) of output pixel (oy, ox)'s window that lies inside the image.</summary>
    private static (int Y0, int Y1, int X0, int X1) Window(int oy, int ox, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        var (top, left) = (oy * sh - ph, ox * sw - pw);
        return (Math.Max(top, 0), Math.Min(top + kh, h), Math.Max(left, 0), Math.Min(left + kw, w));
    }

    public void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total)
    {
        if (IsF32(dy, "max_pool2d_backward")) MaxPoolGrad<float>(dy, argmax, dx, total);
        else MaxPoolGrad<double>(dy, argmax, dx, total);
    }

    /// <summary>MaxPool2DBackward for float32 one (image, channel) plane per work item: a plane's argmax
    /// indices point into its own input plane only, so planes never collide (overlapping windows
    /// inside a plane are summed in output order by one thread, as in the plain loop).</summary>
    /// With <paramref name="assign"/> dx's old contents are ignored: each input plane
    /// (<paramref name="inputsPerPlane"/> elements) is cleared just before its plane's scatter, so dx
    /// needs no zero fill first (bitwise the same as clearing dx and adding).</summary>
    internal static void MaxPoolGradPlanes(Tensor dy, Tensor argmax, Tensor dx, int planes, int outputsPerPlane, int inputsPerPlane, bool assign = false) =>
        ForEachPlane(planes, outputsPerPlane * 4L, plane =>
        {
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

    public void AvgPool2DForward(Tensor x, Tensor y, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        if (IsF32(x, "avg_pool2d_forward")) AvgPool<float>(x, y, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        else AvgPool<double>(x, y, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    private static void AvgPool<T>(Tensor xt, Tensor yt, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForEachPlane(n * c, (long)kh * kw * oh * ow, plane =>
        {
            var x = xt.Span<T>().Slice(plane * h * w, h * w);
            var y = yt.Span<T>().Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1) = Window(oy, ox, h, w, kh, kw, sh, sw, ph, pw);
                    var sum = T.Zero;
                    for (var iy = y0; iy < y1; iy++)
                        for (var ix = x0; ix < x1; ix++) sum += x[iy * w + ix];
                    var count = (y1 - y0) * (x1 - x0);
                    y[oy * ow + ox] = count > 0 ? sum / T.CreateTruncating(count) : T.Zero;
                }
        });
    }

    public void AvgPool2DBackward(Tensor dy, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        if (IsF32(dy, "avg_pool2d_backward")) AvgPoolGrad<float>(dy, dx, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        else AvgPoolGrad<double>(dy, dx, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    private static void AvgPoolGrad<T>(Tensor dyt, Tensor dxt, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ForEachPlane(n * c, (long)kh * kw * oh * ow, plane =>
        {
            var g = dyt.Span<T>().Slice(plane * oh * ow, oh * ow);
            var dx = dxt.Span<T>().Slice(plane * h * w, h * w);
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var (y0, y1, x0, x1) = Window(oy, ox, h, w, kh, kw, sh, sw, ph, pw);
                    var count = (y1 - y0) * (x1 - x0);
                    if (count == 0) continue;
                    var share = g[oy * ow + ox] / T.CreateTruncating(count);
                    for (var iy = y0; iy < y1; iy++)
                        for (var ix = x0; ix < x1; ix++) dx[iy * w + ix] += share;
                }
        });
    }
}
