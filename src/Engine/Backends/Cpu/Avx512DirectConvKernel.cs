using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>8 filters × 3 vectors of 16 positions in 24 zmm accumulators; per tap 3 loads, 8
/// broadcasts, 24 FMAs (the same FMA as Avx512GemmKernel, so the conv paths agree bit for bit).</summary>
internal readonly struct Avx512DirectConvKernel : IDirectConvKernel
{
    public static int Lanes => 16;
    public static int Filters => 8;
    public static int Vectors => 3;
    public static bool IsSupported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Block(float* x, long channelPlanes, int channels, int* offsets, int taps, float* w, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (var c = 0; c < channels; c++, x += channelPlanes)
        {
            for (var t = 0; t < taps; t++, w += 8)
            {
                var s = x + offsets[t];
                var x0 = Vector512.Load(s);
                var x1 = Vector512.Load(s + 16);
                var x2 = Vector512.Load(s + 32);
                var wr = Vector512.Create(w[0]);
                c00 = Avx512F.FusedMultiplyAdd(wr, x0, c00);
                c01 = Avx512F.FusedMultiplyAdd(wr, x1, c01);
                c02 = Avx512F.FusedMultiplyAdd(wr, x2, c02);
                wr = Vector512.Create(w[1]);
                c10 = Avx512F.FusedMultiplyAdd(wr, x0, c10);
                c11 = Avx512F.FusedMultiplyAdd(wr, x1, c11);
                c12 = Avx512F.FusedMultiplyAdd(wr, x2, c12);
                wr = Vector512.Create(w[2]);
                c20 = Avx512F.FusedMultiplyAdd(wr, x0, c20);
                c21 = Avx512F.FusedMultiplyAdd(wr, x1, c21);
                c22 = Avx512F.FusedMultiplyAdd(wr, x2, c22);
                wr = Vector512.Create(w[3]);
                c30 = Avx512F.FusedMultiplyAdd(wr, x0, c30);
                c31 = Avx512F.FusedMultiplyAdd(wr, x1, c31);
                c32 = Avx512F.FusedMultiplyAdd(wr, x2, c32);
                wr = Vector512.Create(w[4]);
                c40 = Avx512F.FusedMultiplyAdd(wr, x0, c40);
                c41 = Avx512F.FusedMultiplyAdd(wr, x1, c41);
                c42 = Avx512F.FusedMultiplyAdd(wr, x2, c42);
                wr = Vector512.Create(w[5]);
                c50 = Avx512F.FusedMultiplyAdd(wr, x0, c50);
                c51 = Avx512F.FusedMultiplyAdd(wr, x1, c51);
                c52 = Avx512F.FusedMultiplyAdd(wr, x2, c52);
                wr = Vector512.Create(w[6]);
                c60 = Avx512F.FusedMultiplyAdd(wr, x0, c60);
                c61 = Avx512F.FusedMultiplyAdd(wr, x1, c61);
                c62 = Avx512F.FusedMultiplyAdd(wr, x2, c62);
                wr = Vector512.Create(w[7]);
                c70 = Avx512F.FusedMultiplyAdd(wr, x0, c70);
                c71 = Avx512F.FusedMultiplyAdd(wr, x1, c71);
                c72 = Avx512F.FusedMultiplyAdd(wr, x2, c72);
            }
        }
        StoreRow(tile, c00, c01, c02);
        StoreRow(tile + 48, c10, c11, c12);
        StoreRow(tile + 2 * 48, c20, c21, c22);
        StoreRow(tile + 3 * 48, c30, c31, c32);
        StoreRow(tile + 4 * 48, c40, c41, c42);
        StoreRow(tile + 5 * 48, c50, c51, c52);
        StoreRow(tile + 6 * 48, c60, c61, c62);
        StoreRow(tile + 7 * 48, c70, c71, c72);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* d, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2)
    {
        v0.Store(d);
        v1.Store(d + 16);
        v2.Store(d + 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Finish(float* src, float shift, bool relu, bool accumulate, float* masks, int* destinations, int first, int end, float* plane)
    {
        var value = Vector512.Load(src);
        if (!accumulate)
        {
            value += Vector512.Create(shift);
            if (relu) value = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(value, Vector512<float>.Zero), Vector512<float>.Zero, value);
        }
        for (var s = first; s < end; s++)
        {
            var mask = Vector512.Load(masks + s * 16);
            var dst = plane + destinations[s];
            if (accumulate) Avx512F.MaskStore(dst, mask, Avx512F.MaskLoad(dst, mask, Vector512<float>.Zero) + value);
            else Avx512F.MaskStore(dst, mask, value);
        }
    }
}
