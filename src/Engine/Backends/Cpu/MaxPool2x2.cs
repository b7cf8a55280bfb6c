using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>Max-pool with a 2×2 window, stride 2 and no padding (what MaxPooling2D(2) runs) over one
/// float32 plane, with argmax. Same results as the general loop: the window's elements are visited in
/// row-major order and a later one wins only when strictly greater (ties and NaN keep the earlier one).
/// AVX-512 does 8 outputs at a time: one 16-float load per input row, split into even and odd columns;
/// planes under 16 columns (or without AVX-512) take groups of 4 with 8-float loads.
/// The backward writes every input element once (the winner gets its gradient, the others 0), so
/// the gradient plane needs no zero fill and no scatter.</summary>
internal static unsafe class MaxPool2x2
{
    /// <param name="x">the plane, h×w</param>
    /// <param name="y">oh×ow outputs, oh = h/2 and ow = w/2 (a trailing odd row/column is not covered)</param>
    /// <param name="arg">argmax as planeOffset + (index inside the plane)</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(float* x, float* y, int* arg, int w, int oh, int ow, int planeOffset)
    {
        for (var oy = 0; oy < oh; oy++)
        {
            var r0 = x + 2 * oy * w;
            var r1 = r0 + w;
            var rowBase = planeOffset + 2 * oy * w;
            var yRow = y + oy * ow;
            var aRow = arg + oy * ow;
            var ox = 0;
            if (Vector512.IsHardwareAccelerated && ow >= 8)
            {
                for (; ox + 8 <= ow; ox += 8)
                    Eight(r0 + 2 * ox, r1 + 2 * ox, yRow + ox, aRow + ox, rowBase + 2 * ox, w);
                // The ragged end as one more group of 8 ending at ow (overlapping outputs are
                // rewritten with the same values): reads up to column 2·ow ≤ w.
                if (ox < ow)
                {
                    ox = ow - 8;
                    Eight(r0 + 2 * ox, r1 + 2 * ox, yRow + ox, aRow + ox, rowBase + 2 * ox, w);
                    ox = ow;
                }
            }
            else if (Vector256.IsHardwareAccelerated && ow >= 4)
            {
                // Narrow planes (11×11 → 5×5): groups of 4, the ragged end overlapping as above.
                for (; ox + 4 <= ow; ox += 4)
                    Four(r0 + 2 * ox, r1 + 2 * ox, yRow + ox, aRow + ox, rowBase + 2 * ox, w);
                if (ox < ow)
                {
                    ox = ow - 4;
                    Four(r0 + 2 * ox, r1 + 2 * ox, yRow + ox, aRow + ox, rowBase + 2 * ox, w);
                    ox = ow;
                }
            }
            for (; ox < ow; ox++)
            {
                var i = 2 * ox;
                var (best, at) = (r0[i], 0);
                if (r0[i + 1] > best) (best, at) = (r0[i + 1], 1);
                if (r1[i] > best) (best, at) = (r1[i], w);
                if (r1[i + 1] > best) (best, at) = (r1[i + 1], w + 1);
                yRow[ox] = best;
                aRow[ox] = rowBase + i + at;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Eight(float* r0, float* r1, float* y, int* arg, int index0, int w)
    {
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 0, 0, 0, 0, 0, 0, 0, 0);
        var top = Vector512.Load(r0);
        var bottom = Vector512.Load(r1);
        var a = Vector512.Shuffle(top, even).GetLower();
        var b = Vector512.Shuffle(top, odd).GetLower();
        var c = Vector512.Shuffle(bottom, even).GetLower();
        var d = Vector512.Shuffle(bottom, odd).GetLower();
        var best = a;
        var at = Vector256<int>.Zero;
        var wins = Vector256.GreaterThan(b, best);
        best = Vector256.ConditionalSelect(wins, b, best);
        at = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(1), at);
        wins = Vector256.GreaterThan(c, best);
        best = Vector256.ConditionalSelect(wins, c, best);
        at = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(w), at);
        wins = Vector256.GreaterThan(d, best);
        best = Vector256.ConditionalSelect(wins, d, best);
        at = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(w + 1), at);
        best.Store(y);
        (at + Vector256.Create(index0) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14)).Store(arg);
    }

    /// <summary><see cref="Eight"/> for 4 outputs: one 8-float load per input row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Four(float* r0, float* r1, float* y, int* arg, int index0, int w)
    {
        var even = Vector256.Create(0, 2, 4, 6, 0, 0, 0, 0);
        var odd = Vector256.Create(1, 3, 5, 7, 0, 0, 0, 0);
        var top = Vector256.Load(r0);
        var bottom = Vector256.Load(r1);
        var a = Vector256.Shuffle(top, even).GetLower();
        var b = Vector256.Shuffle(top, odd).GetLower();
        var c = Vector256.Shuffle(bottom, even).GetLower();
        var d = Vector256.Shuffle(bottom, odd).GetLower();
        var best = a;
        var at = Vector128<int>.Zero;
        var wins = Vector128.GreaterThan(b, best);
        best = Vector128.ConditionalSelect(wins, b, best);
        at = Vector128.ConditionalSelect(wins.AsInt32(), Vector128.Create(1), at);
        wins = Vector128.GreaterThan(c, best);
        best = Vector128.ConditionalSelect(wins, c, best);
        at = Vector128.ConditionalSelect(wins.AsInt32(), Vector128.Create(w), at);
        wins = Vector128.GreaterThan(d, best);
        best = Vector128.ConditionalSelect(wins, d, best);
        at = Vector128.ConditionalSelect(wins.AsInt32(), Vector128.Create(w + 1), at);
        best.Store(y);
        (at + Vector128.Create(index0) + Vector128.Create(0, 2, 4, 6)).Store(arg);
    }

    /// <summary>The gradient of <see cref="Plane"/> written once into a whole input plane: each window's
    /// winner (from argmax) gets 0 + dy (so -0 comes out +0, exactly what clearing dx and adding gives),
    /// its other three elements and any uncovered last row/column get 0.</summary>
    /// <param name="dy">oh×ow output gradients</param>
    /// <param name="arg">argmax as <see cref="Plane"/> wrote it (planeOffset + index inside the plane)</param>
    /// <param name="dx">the h×w input-gradient plane, overwritten</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PlaneGrad(float* dy, int* arg, float* dx, int h, int w, int oh, int ow, int planeOffset)
    {
        for (var oy = 0; oy < oh; oy++)
        {
            var r0 = dx + 2 * oy * w;
            var r1 = r0 + w;
            var rowBase = planeOffset + 2 * oy * w;
            var gRow = dy + oy * ow;
            var aRow = arg + oy * ow;
            var ox = 0;
            if (Vector512.IsHardwareAccelerated && ow >= 8)
            {
                for (; ox + 8 <= ow; ox += 8)
                    EightGrad(gRow + ox, aRow + ox, r0 + 2 * ox, r1 + 2 * ox, rowBase + 2 * ox, w);
                if (ox < ow)
                {
                    // The ragged end as one more group of 8 ending at ow: the overlap is rewritten
                    // with the same values.
                    ox = ow - 8;
                    EightGrad(gRow + ox, aRow + ox, r0 + 2 * ox, r1 + 2 * ox, rowBase + 2 * ox, w);
                    ox = ow;
                }
            }
            else if (Vector256.IsHardwareAccelerated && ow >= 4)
            {
                for (; ox + 4 <= ow; ox += 4)
                    FourGrad(gRow + ox, aRow + ox, r0 + 2 * ox, r1 + 2 * ox, rowBase + 2 * ox, w);
                if (ox < ow)
                {
                    ox = ow - 4;
                    FourGrad(gRow + ox, aRow + ox, r0 + 2 * ox, r1 + 2 * ox, rowBase + 2 * ox, w);
                    ox = ow;
                }
            }
            for (; ox < ow; ox++)
            {
                var i = 2 * ox;
                var at = aRow[ox] - (rowBase + i);
                var g = 0f + gRow[ox];
                r0[i] = at == 0 ? g : 0f;
                r0[i + 1] = at == 1 ? g : 0f;
                r1[i] = at == w ? g : 0f;
                r1[i + 1] = at == w + 1 ? g : 0f;
            }
            if (2 * ow < w) r0[w - 1] = r1[w - 1] = 0f; // odd width: the last column is in no window
        }
        if (2 * oh < h) new Span<float>(dx + 2 * oh * w, (h - 2 * oh) * w).Clear(); // odd height: the last row
    }

    /// <summary>8 windows: the winner's position in each (0, 1, w or w+1) picks which of the four
    /// lanes gets the gradient; even and odd columns are interleaved back into 16-float rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EightGrad(float* dy, int* arg, float* r0, float* r1, int index0, int w)
    {
        var interleave = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
        var g = Vector256<float>.Zero + Vector256.Load(dy);
        var at = Vector256.Load(arg) - (Vector256.Create(index0) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14));
        var zero = Vector256<float>.Zero;
        var topLeft = Vector256.ConditionalSelect(Vector256.Equals(at, Vector256<int>.Zero).AsSingle(), g, zero);
        var topRight = Vector256.ConditionalSelect(Vector256.Equals(at, Vector256.Create(1)).AsSingle(), g, zero);
        var bottomLeft = Vector256.ConditionalSelect(Vector256.Equals(at, Vector256.Create(w)).AsSingle(), g, zero);
        var bottomRight = Vector256.ConditionalSelect(Vector256.Equals(at, Vector256.Create(w + 1)).AsSingle(), g, zero);
        Vector512.Shuffle(Vector512.Create(topLeft, topRight), interleave).Store(r0);
        Vector512.Shuffle(Vector512.Create(bottomLeft, bottomRight), interleave).Store(r1);
    }

    /// <summary><see cref="EightGrad"/> for 4 windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourGrad(float* dy, int* arg, float* r0, float* r1, int index0, int w)
    {
        var interleave = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        var g = Vector128<float>.Zero + Vector128.Load(dy);
        var at = Vector128.Load(arg) - (Vector128.Create(index0) + Vector128.Create(0, 2, 4, 6));
        var zero = Vector128<float>.Zero;
        var topLeft = Vector128.ConditionalSelect(Vector128.Equals(at, Vector128<int>.Zero).AsSingle(), g, zero);
        var topRight = Vector128.ConditionalSelect(Vector128.Equals(at, Vector128.Create(1)).AsSingle(), g, zero);
        var bottomLeft = Vector128.ConditionalSelect(Vector128.Equals(at, Vector128.Create(w)).AsSingle(), g, zero);
        var bottomRight = Vector128.ConditionalSelect(Vector128.Equals(at, Vector128.Create(w + 1)).AsSingle(), g, zero);
        Vector256.Shuffle(Vector256.Create(topLeft, topRight), interleave).Store(r0);
        Vector256.Shuffle(Vector256.Create(bottomLeft, bottomRight), interleave).Store(r1);
    }
}
