using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Tensors;
using Engine.Backends.Cpu;

namespace Engine.Backends;

/// <summary>float32 im2col / col2im: the same loops as the generic versions, on raw pointers with the
/// short row copies and adds inlined (a 3×3 layer moves rows of a dozen floats, where a call per row
/// and bounds checks cost more than the data).</summary>
public sealed partial class CpuBackend
{
    internal static unsafe void Im2ColFloat(Tensor xt, Tensor colt, Conv2DGeometry geometry)
    {
        var (n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.OH, geometry.OW);
        var columns = n * oh * ow;
        CpuParallel.ForEachPlane(n * c, (long)kh * kw * oh * ow, (xt, colt, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, columns), [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (s, plane) =>
        {
            var (xt, colt, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, columns) = s;
            var (b, ci) = (plane / c, plane % c);
            fixed (float* px = xt.Span<float>(), pcol = colt.Span<float>())
            {
                var x = px + (long)plane * h * w;
                for (var i = 0; i < kh; i++)
                    for (var j = 0; j < kw; j++)
                    {
                        var row = pcol + (long)((ci * kh + i) * kw + j) * columns + (long)b * oh * ow;
                        var (x0, x1) = InsideRange(ow, w, sw, pw, j);
                        for (var y = 0; y < oh; y++)
                        {
                            var dst = row + y * ow;
                            var iy = y * sh - ph + i;
                            if (iy < 0 || iy >= h)
                            {
                                Clear(dst, ow);
                                continue;
                            }
                            Clear(dst, x0);
                            Clear(dst + x1, ow - x1);
                            var src = x + iy * w - pw + j;
                            if (sw == 1) Copy(src + x0, dst + x0, x1 - x0);
                            else for (var ox = x0; ox < x1; ox++) dst[ox] = src[ox * sw];
                        }
                    }
            }
        });
    }

    /// <summary>dx += col2im(col); with <paramref name="assign"/> dx's old contents are ignored: each plane
    /// is cleared just before its sums go in (while it is in cache), so dx needs no zero fill first and
    /// the result is bitwise what clearing dx and adding gives.</summary>
    internal static unsafe void Col2ImFloat(Tensor colt, Tensor dxt, Conv2DGeometry geometry, bool assign = false)
    {
        var (n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow) = (geometry.N, geometry.C, geometry.H, geometry.W, geometry.KH, geometry.KW, geometry.SH, geometry.SW, geometry.PH, geometry.PW, geometry.OH, geometry.OW);
        var columns = n * oh * ow;
        CpuParallel.ForEachPlane(n * c, (long)kh * kw * oh * ow, (colt, dxt, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, columns, assign, geometry), [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (s, plane) =>
        {
            var (colt, dxt, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, columns, assign, geometry) = s;
            var (b, ci) = (plane / c, plane % c);
            fixed (float* pdx = dxt.Span<float>(), pcol = colt.Span<float>())
            {
                var dx = pdx + (long)plane * h * w;
                if (Col2ImRows.Applies(geometry))
                {
                    Col2ImRows.Plane(pcol, dx, geometry, b, ci, assign);
                    return;
                }
                if (assign) new Span<float>(dx, h * w).Clear();
                for (var i = 0; i < kh; i++)
                    for (var j = 0; j < kw; j++)
                    {
                        var row = pcol + (long)((ci * kh + i) * kw + j) * columns + (long)b * oh * ow;
                        var (x0, x1) = InsideRange(ow, w, sw, pw, j);
                        for (var y = 0; y < oh; y++)
                        {
                            var iy = y * sh - ph + i;
                            if (iy < 0 || iy >= h) continue;
                            var src = row + y * ow;
                            var dst = dx + iy * w - pw + j;
                            if (sw == 1) AddTo(src + x0, dst + x0, x1 - x0);
                            else for (var ox = x0; ox < x1; ox++) dst[ox * sw] += src[ox];
                        }
                    }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Clear(float* d, int count)
    {
        for (var k = 0; k < count; k++) d[k] = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* s, float* d, int count)
    {
        var k = 0;
        for (; k + 8 <= count; k += 8) Vector256.Store(Vector256.Load(s + k), d + k);
        for (; k < count; k++) d[k] = s[k];
    }

    /// <summary>d[k] += s[k], element by element (the same sums, in the same order, as the scalar loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddTo(float* s, float* d, int count)
    {
        var k = 0;
        for (; k + 8 <= count; k += 8) Vector256.Store(Vector256.Load(d + k) + Vector256.Load(s + k), d + k);
        for (; k < count; k++) d[k] += s[k];
    }
}
