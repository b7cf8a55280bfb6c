using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>6×16 float tile with AVX2 + FMA (the classic Haswell shape): 12 ymm accumulators,
/// two B loads and one broadcast live, 15 of the 16 ymm registers.</summary>
internal readonly struct Avx2GemmKernel : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++, a += 6, b += 16)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var ar = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(ar, b0, c00);
            c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(ar, b0, c10);
            c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(ar, b0, c20);
            c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(ar, b0, c30);
            c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(ar, b0, c40);
            c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(ar, b0, c50);
            c51 = Fma.MultiplyAdd(ar, b1, c51);
        }
        StoreRow(c, beta, c00, c01);
        StoreRow(c + ldc, beta, c10, c11);
        StoreRow(c + 2 * ldc, beta, c20, c21);
        StoreRow(c + 3 * ldc, beta, c30, c31);
        StoreRow(c + 4 * ldc, beta, c40, c41);
        StoreRow(c + 5 * ldc, beta, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* c, float beta, Vector256<float> lo, Vector256<float> hi)
    {
        if (beta != 0)
        {
            var bv = Vector256.Create(beta);
            lo = Fma.MultiplyAdd(bv, Vector256.Load(c), lo);
            hi = Fma.MultiplyAdd(bv, Vector256.Load(c + 8), hi);
        }
        lo.Store(c);
        hi.Store(c + 8);
    }
}
