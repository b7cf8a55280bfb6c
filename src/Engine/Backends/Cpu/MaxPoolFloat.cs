using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>Float32 max pooling of one (image, channel) plane for any geometry (pool size, stride,
/// padding): the pointer twin of CpuBackend.MaxPool&lt;T&gt;, with exactly its comparisons (the window's
/// first inside element starts, then <c>v &gt; best</c> in row-major window order), so values, argmax
/// and NaN behaviour are bitwise the same. Windows that lie wholly inside the image, with stride 1 or 2
/// and AVX-512, go 16 outputs at a time: lane j compares the same elements in the same order as the
/// scalar loop does for output j (an ordered compare, false on NaN like the scalar <c>&gt;</c>).</summary>
internal static unsafe class MaxPoolFloat
{
    /// <summary>Pools the plane at <paramref name="x"/> into <paramref name="y"/> and
    /// <paramref name="argmax"/> (flat indices: <paramref name="planeBase"/> + iy·W + ix; −1 for a
    /// window with no element inside the image). <paramref name="xEnd"/> is the end of x's buffer:
    /// vector loads may read past the plane's last row but never past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(float* x, float* xEnd, float* y, int* argmax, in Pool2DGeometry g, int planeBase)
    {
        var (h, w, oh, ow, kh, kw, sh, sw, ph, pw) = (g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW);
        // Outputs whose window columns are all inside: ox·sw − pw ≥ 0 and ox·sw − pw + kw ≤ w.
        var oxLo = Math.Min(ow, (pw + sw - 1) / sw);
        var oxHi = w + pw - kw < 0 ? -1 : Math.Min(ow - 1, (w + pw - kw) / sw);
        var vector = Avx512F.IsSupported && (sw == 1 || sw == 2);
        for (var oy = 0; oy < oh; oy++)
        {
            var top = oy * sh - ph;
            var rowsInside = top >= 0 && top + kh <= h;
            var ox = 0;
            if (rowsInside && vector)
            {
                for (; ox < oxLo; ox++) Window(x, y, argmax, g, planeBase, oy, ox);
                // The block's furthest load: last window row, last column, 32 floats (stride 2) or 16.
                for (; ox + 15 <= oxHi && x + (long)(top + kh - 1) * w + ox * sw - pw + kw - 1 + (sw == 2 ? 32 : 16) <= xEnd; ox += 16)
                    Block16(x, y + oy * ow + ox, argmax + oy * ow + ox, w, kh, kw, sw, top, ox * sw - pw, planeBase);
            }
            for (; ox < ow; ox++) Window(x, y, argmax, g, planeBase, oy, ox);
        }
    }

    /// <summary>One output: the plain loop's comparisons over the inside part of the window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Window(float* x, float* y, int* argmax, in Pool2DGeometry g, int planeBase, int oy, int ox)
    {
        var w = g.W;
        var (top, left) = (oy * g.SH - g.PH, ox * g.SW - g.PW);
        var (y0, y1, x0, x1) = (Math.Max(top, 0), Math.Min(top + g.KH, g.H), Math.Max(left, 0), Math.Min(left + g.KW, w));
        var (best, bestValue) = (-1, 0f);
        for (var iy = y0; iy < y1; iy++)
            for (var ix = x0; ix < x1; ix++)
            {
                var v = x[iy * w + ix];
                if (best < 0 || v > bestValue) (best, bestValue) = (iy * w + ix, v);
            }
        y[oy * g.OW + ox] = bestValue;
        argmax[oy * g.OW + ox] = best < 0 ? -1 : planeBase + best;
    }

    /// <summary>16 neighbouring outputs of one output row whose windows are wholly inside the image;
    /// lane j's window starts at row <paramref name="top"/>, column <paramref name="left"/> + j·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block16(float* x, float* y, int* argmax, int w, int kh, int kw, int stride, int top, int left, int planeBase)
    {
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * stride;
        var first = top * w + left;
        var bestValue = Load(x + first, stride);
        var best = lanes + Vector512.Create(first);
        for (var ky = 0; ky < kh; ky++)
            for (var kx = ky == 0 ? 1 : 0; kx < kw; kx++)
            {
                var at = (top + ky) * w + left + kx;
                var v = Load(x + at, stride);
                var wins = Vector512.GreaterThan(v, bestValue);
                bestValue = Vector512.ConditionalSelect(wins, v, bestValue);
                best = Vector512.ConditionalSelect(wins.AsInt32(), lanes + Vector512.Create(at), best);
            }
        bestValue.Store(y);
        (best + Vector512.Create(planeBase)).Store(argmax);
    }

    /// <summary>Elements p[0], p[s], …, p[15·s] for s = 1 or 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* p, int stride) =>
        stride == 1 ? Vector512.Load(p) : Avx512F.PermuteVar16x32x2(Vector512.Load(p), Evens, Vector512.Load(p + 16));

    private static Vector512<int> Evens => Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}
