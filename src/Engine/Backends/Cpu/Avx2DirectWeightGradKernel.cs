using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>4 filters × 3 unfolded rows in 12 ymm accumulators; per 8 positions 3 x loads kept in
/// registers and 4 dz loads, each feeding 3 FMAs (15 of the 16 ymm registers).</summary>
internal readonly struct Avx2DirectWeightGradKernel : IDirectWeightGradKernel
{
    public static int Lanes => 8;
    public static int Filters => 4;
    public static int Taps => 3;
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Block(float* dz, long dzImage, float* x0, float* x1, float* x2, long xImage, int images, int vectors,
        float* sums)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (var b = 0; b < images; b++)
        {
            var d = dz + b * dzImage;
            var s0 = x0 + b * xImage;
            var s1 = x1 + b * xImage;
            var s2 = x2 + b * xImage;
            for (var v = 0; v < vectors; v++, d += 32, s0 += 8, s1 += 8, s2 += 8)
            {
                var a0 = Vector256.Load(s0);
                var a1 = Vector256.Load(s1);
                var a2 = Vector256.Load(s2);
                var g = Vector256.Load(d);
                c00 = Fma.MultiplyAdd(g, a0, c00);
                c01 = Fma.MultiplyAdd(g, a1, c01);
                c02 = Fma.MultiplyAdd(g, a2, c02);
                g = Vector256.Load(d + 8);
                c10 = Fma.MultiplyAdd(g, a0, c10);
                c11 = Fma.MultiplyAdd(g, a1, c11);
                c12 = Fma.MultiplyAdd(g, a2, c12);
                g = Vector256.Load(d + 16);
                c20 = Fma.MultiplyAdd(g, a0, c20);
                c21 = Fma.MultiplyAdd(g, a1, c21);
                c22 = Fma.MultiplyAdd(g, a2, c22);
                g = Vector256.Load(d + 24);
                c30 = Fma.MultiplyAdd(g, a0, c30);
                c31 = Fma.MultiplyAdd(g, a1, c31);
                c32 = Fma.MultiplyAdd(g, a2, c32);
            }
        }
        AddTap(sums, c00, c10, c20, c30);
        AddTap(sums + 4, c01, c11, c21, c31);
        AddTap(sums + 8, c02, c12, c22, c32);
    }

    /// <summary>s[r] += the 8 lanes of a_r added up (halves, then pairs), for the 4 rows of one tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddTap(float* s, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        s[0] += Sum(a0);
        s[1] += Sum(a1);
        s[2] += Sum(a2);
        s[3] += Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Vector256<float> v)
    {
        var q = v.GetLower() + v.GetUpper();
        var p = q + Vector128.Shuffle(q, Vector128.Create(2, 3, 0, 1));
        return p.ToScalar() + p.GetElement(1);
    }
}
