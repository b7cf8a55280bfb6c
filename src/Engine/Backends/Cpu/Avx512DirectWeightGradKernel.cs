using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>8 filters × 3 unfolded rows in 24 zmm accumulators; per 16 positions 3 x loads (kept in
/// registers) and 8 dz loads, each dz vector feeding 3 FMAs: 24 FMAs per 11 loads, 28 of 32 registers.</summary>
internal readonly struct Avx512DirectWeightGradKernel : IDirectWeightGradKernel
{
    public static int Lanes => 16;
    public static int Filters => 8;
    public static int Taps => 3;
    public static bool IsSupported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Block(float* dz, long dzImage, float* x0, float* x1, float* x2, long xImage, int images, int vectors,
        float* sums)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (var b = 0; b < images; b++)
        {
            var d = dz + b * dzImage;
            var s0 = x0 + b * xImage;
            var s1 = x1 + b * xImage;
            var s2 = x2 + b * xImage;
            for (var v = 0; v < vectors; v++, d += 128, s0 += 16, s1 += 16, s2 += 16)
            {
                var a0 = Vector512.Load(s0);
                var a1 = Vector512.Load(s1);
                var a2 = Vector512.Load(s2);
                var g = Vector512.Load(d);
                c00 = Avx512F.FusedMultiplyAdd(g, a0, c00);
                c01 = Avx512F.FusedMultiplyAdd(g, a1, c01);
                c02 = Avx512F.FusedMultiplyAdd(g, a2, c02);
                g = Vector512.Load(d + 16);
                c10 = Avx512F.FusedMultiplyAdd(g, a0, c10);
                c11 = Avx512F.FusedMultiplyAdd(g, a1, c11);
                c12 = Avx512F.FusedMultiplyAdd(g, a2, c12);
                g = Vector512.Load(d + 32);
                c20 = Avx512F.FusedMultiplyAdd(g, a0, c20);
                c21 = Avx512F.FusedMultiplyAdd(g, a1, c21);
                c22 = Avx512F.FusedMultiplyAdd(g, a2, c22);
                g = Vector512.Load(d + 48);
                c30 = Avx512F.FusedMultiplyAdd(g, a0, c30);
                c31 = Avx512F.FusedMultiplyAdd(g, a1, c31);
                c32 = Avx512F.FusedMultiplyAdd(g, a2, c32);
                g = Vector512.Load(d + 64);
                c40 = Avx512F.FusedMultiplyAdd(g, a0, c40);
                c41 = Avx512F.FusedMultiplyAdd(g, a1, c41);
                c42 = Avx512F.FusedMultiplyAdd(g, a2, c42);
                g = Vector512.Load(d + 80);
                c50 = Avx512F.FusedMultiplyAdd(g, a0, c50);
                c51 = Avx512F.FusedMultiplyAdd(g, a1, c51);
                c52 = Avx512F.FusedMultiplyAdd(g, a2, c52);
                g = Vector512.Load(d + 96);
                c60 = Avx512F.FusedMultiplyAdd(g, a0, c60);
                c61 = Avx512F.FusedMultiplyAdd(g, a1, c61);
                c62 = Avx512F.FusedMultiplyAdd(g, a2, c62);
                g = Vector512.Load(d + 112);
                c70 = Avx512F.FusedMultiplyAdd(g, a0, c70);
                c71 = Avx512F.FusedMultiplyAdd(g, a1, c71);
                c72 = Avx512F.FusedMultiplyAdd(g, a2, c72);
            }
        }
        AddTap(sums, c00, c10, c20, c30, c40, c50, c60, c70);
        AddTap(sums + 8, c01, c11, c21, c31, c41, c51, c61, c71);
        AddTap(sums + 16, c02, c12, c22, c32, c42, c52, c62, c72);
    }

    /// <summary>s[r] += the 16 lanes of a_r added up, for the 8 rows of one tap: halves and quarters of
    /// four accumulators at a time by 128-bit block shuffles, then the 4 floats of each block, then the
    /// eight sums gathered into row order. A fixed tree, about 3 instructions per accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddTap(float* s, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7)
    {
        var u = Blocks(a0, a1, a2, a3);
        var w = Blocks(a4, a5, a6, a7);
        // Per block k: [u_k0 + u_k2, w_k0 + w_k2, u_k1 + u_k3, w_k1 + w_k3], then lanes 0 and 1 the block's totals.
        var p = Avx512F.UnpackLow(u, w) + Avx512F.UnpackHigh(u, w);
        p += Avx512F.Permute4x32(p, 0b01_00_11_10);
        var rows = Avx512F.PermuteVar16x32(p, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower();
        (Vector256.Load(s) + rows).Store(s);
    }

    /// <summary>Block k of the result holds accumulator k's four 128-bit blocks added: [a, b, c, d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Blocks(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        var ab = Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);
        var cd = Avx512F.Shuffle4x128(c, d, 0b01_00_01_00) + Avx512F.Shuffle4x128(c, d, 0b11_10_11_10);
        return Avx512F.Shuffle4x128(ab, cd, 0b10_00_10_00) + Avx512F.Shuffle4x128(ab, cd, 0b11_01_11_01);
    }
}
