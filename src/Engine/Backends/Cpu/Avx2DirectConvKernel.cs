using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>4 filters × 3 vectors of 8 positions in 12 ymm accumulators (with 3 loads and a broadcast
/// live: all 16 registers); the same FMA as Avx2GemmKernel, so on an AVX2 machine the conv paths agree
/// bit for bit.</summary>
internal readonly struct Avx2DirectConvKernel : IDirectConvKernel
{
    public static int Lanes => 8;
    public static int Filters => 4;
    public static int Vectors => 3;
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Block(float* x, long channelPlanes, int channels, int* offsets, int taps, float* w, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (var c = 0; c < channels; c++, x += channelPlanes)
        {
            for (var t = 0; t < taps; t++, w += 4)
            {
                var s = x + offsets[t];
                var x0 = Vector256.Load(s);
                var x1 = Vector256.Load(s + 8);
                var x2 = Vector256.Load(s + 16);
                var wr = Vector256.Create(w[0]);
                c00 = Fma.MultiplyAdd(wr, x0, c00);
                c01 = Fma.MultiplyAdd(wr, x1, c01);
                c02 = Fma.MultiplyAdd(wr, x2, c02);
                wr = Vector256.Create(w[1]);
                c10 = Fma.MultiplyAdd(wr, x0, c10);
                c11 = Fma.MultiplyAdd(wr, x1, c11);
                c12 = Fma.MultiplyAdd(wr, x2, c12);
                wr = Vector256.Create(w[2]);
                c20 = Fma.MultiplyAdd(wr, x0, c20);
                c21 = Fma.MultiplyAdd(wr, x1, c21);
                c22 = Fma.MultiplyAdd(wr, x2, c22);
                wr = Vector256.Create(w[3]);
                c30 = Fma.MultiplyAdd(wr, x0, c30);
                c31 = Fma.MultiplyAdd(wr, x1, c31);
                c32 = Fma.MultiplyAdd(wr, x2, c32);
            }
        }
        StoreRow(tile, c00, c01, c02);
        StoreRow(tile + 24, c10, c11, c12);
        StoreRow(tile + 2 * 24, c20, c21, c22);
        StoreRow(tile + 3 * 24, c30, c31, c32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* d, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2)
    {
        v0.Store(d);
        v1.Store(d + 8);
        v2.Store(d + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Finish(float* src, float shift, bool relu, bool accumulate, float* masks, int* destinations, int first, int end, float* plane)
    {
        var value = Vector256.Load(src);
        if (!accumulate)
        {
            value += Vector256.Create(shift);
            if (relu) value = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(value, Vector256<float>.Zero), Vector256<float>.Zero, value);
        }
        for (var s = first; s < end; s++)
        {
            var mask = Vector256.Load(masks + s * 8);
            var dst = plane + destinations[s];
            if (accumulate) Avx.MaskStore(dst, mask, Avx.MaskLoad(dst, mask) + value);
            else Avx.MaskStore(dst, mask, value);
        }
    }
}
