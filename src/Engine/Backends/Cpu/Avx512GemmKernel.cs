using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>8×32 float tile with AVX-512: 16 zmm accumulators (8 rows × 2 registers of 16 floats),
/// two B loads and eight broadcasts of A per step of k. 16 independent FMA chains hide the FMA
/// latency; the tile stays in registers for the whole kc loop.</summary>
internal readonly struct Avx512GemmKernel : IGemmKernel
{
    public static int MR => 8;
    public static int NR => 32;
    public static bool IsSupported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (var p = 0; p < kc; p++, a += 8, b += 32)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var ar = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
        }
        StoreRow(c, beta, c00, c01);
        StoreRow(c + ldc, beta, c10, c11);
        StoreRow(c + 2 * ldc, beta, c20, c21);
        StoreRow(c + 3 * ldc, beta, c30, c31);
        StoreRow(c + 4 * ldc, beta, c40, c41);
        StoreRow(c + 5 * ldc, beta, c50, c51);
        StoreRow(c + 6 * ldc, beta, c60, c61);
        StoreRow(c + 7 * ldc, beta, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* c, float beta, Vector512<float> lo, Vector512<float> hi)
    {
        if (beta != 0)
        {
            var bv = Vector512.Create(beta);
            lo = Avx512F.FusedMultiplyAdd(bv, Vector512.Load(c), lo);
            hi = Avx512F.FusedMultiplyAdd(bv, Vector512.Load(c + 16), hi);
        }
        lo.Store(c);
        hi.Store(c + 16);
    }
}
