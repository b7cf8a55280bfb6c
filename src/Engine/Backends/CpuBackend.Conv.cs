using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Convolution's unfolding (im2col, col2im). Every kernel here works one (image, channel) plane at a
/// time, and planes never write to each other's memory, so large calls run the planes in parallel.</summary>
public sealed partial class CpuBackend
{
    /// <summary>Runs body(p) for p &lt; planes, in parallel when the call is big enough to pay for it
    /// (<see cref="CpuParallel.ForEachPlane"/>'s rule; this overload takes a closure).
    /// Callers guarantee that different planes write disjoint elements.</summary>
    internal static void ForEachPlane(int planes, long workPerPlane, Action<int> body) =>
        CpuParallel.ForEachPlane(planes, workPerPlane, body, static (b, p) => b(p));

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
            if (typeof(T) == typeof(float) && !G.Dilated) Im2ColFloat(X, Col, G);
            else Im2Col<T>(X, Col, G);
        }
    }

    /// <summary>The plain unfolding loop; dh/dw dilate the window (a tap i, j reads row i·dh, column j·dw).</summary>
    internal static void Im2Col<T>(Tensor xt, Tensor colt, Conv2DGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.OH, geometry.OW, geometry.DH, geometry.DW);
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

    /// <summary>float32 without dilation takes the vector loop of CpuBackend.Im2ColFloat.cs.</summary>
    private readonly record struct Col2ImPlanes(Tensor Col, Tensor Dx, Conv2DGeometry G, bool Assign) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float) && !G.Dilated) Col2ImFloat(Col, Dx, G, Assign);
            else Col2Im<T>(Col, Dx, G);
        }
    }

    /// <summary>Im2Col run backwards: each col entry that Im2Col copied from x is added back to its place.</summary>
    internal static void Col2Im<T>(Tensor colt, Tensor dxt, Conv2DGeometry geometry)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dh, dw) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.OH, geometry.OW, geometry.DH, geometry.DW);
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
}
