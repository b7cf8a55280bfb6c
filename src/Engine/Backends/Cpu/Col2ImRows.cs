using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>col2im of one stride-1 plane, row by row: each 16-wide piece of a dx row is summed in a
/// register over all taps (masked loads of the dcol rows that reach it) and stored once, instead of one
/// read-modify-write pass over dx per tap with scalar tails on short rows (the seed CNN's 11- and 3-wide
/// 'valid' rows). Every element gets its taps in the same (i, j) order as the tap-by-tap loop, starting
/// from the same value (0, or dx's old value), and lanes a tap does not reach are left as they are
/// (blend, not + 0, so a −0 stays −0): the result is bitwise the tap-by-tap loop's.</summary>
internal static unsafe class Col2ImRows
{
    /// <summary>Off only for the benchmark's tap-by-tap baseline.</summary>
    internal static bool Enabled { get; set; } = true;

    public static bool Applies(in Conv2DGeometry g) => Enabled && Avx512F.IsSupported && g.SH == 1 && g.SW == 1 && !g.Dilated;

    /// <summary>dx plane (h×w) of image b, channel ci; rows of col are columns = N·OH·OW long.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(float* col, float* dx, in Conv2DGeometry g, int b, int ci, bool assign)
    {
        var (h, w, kh, kw, ph, pw, oh, ow) = (g.H, g.W, g.KH, g.KW, g.PH, g.PW, g.OH, g.OW);
        var columns = (long)g.N * oh * ow;
        var image = col + (long)ci * kh * kw * columns + (long)b * oh * ow;
        var step = Vector512.Create(16);
        var vw = Vector512.Create(w);
        var vow = Vector512.Create(ow);
        for (var iy = 0; iy < h; iy++)
        {
            var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (var c0 = 0; c0 < w; c0 += 16, lanes += step)
            {
                var dst = dx + (long)iy * w + c0;
                var inRow = Vector512.LessThan(lanes, vw).AsSingle();
                var full = c0 + 16 <= w;
                var acc = assign ? Vector512<float>.Zero
                    : full ? Vector512.Load(dst) : Avx512F.MaskLoad(dst, inRow, Vector512<float>.Zero);
                for (var i = 0; i < kh; i++)
                {
                    var oy = iy + ph - i;
                    if (oy < 0 || oy >= oh) continue;
                    for (var j = 0; j < kw; j++)
                    {
                        // lane x reads dcol[(ci, i, j), b, oy, x + pw − j] when that column exists
                        var ox = lanes + Vector512.Create(pw - j);
                        var reach = (Vector512.GreaterThanOrEqual(ox, Vector512<int>.Zero) & Vector512.LessThan(ox, vow)).AsSingle() & inRow;
                        var src = image + (long)(i * kw + j) * columns + (long)oy * ow + (c0 + pw - j);
                        var v = Avx512F.MaskLoad(src, reach, Vector512<float>.Zero);
                        acc = Vector512.ConditionalSelect(reach, acc + v, acc);
                    }
                }
                if (full) acc.Store(dst);
                else Avx512F.MaskStore(dst, inRow, acc);
            }
        }
    }
}
