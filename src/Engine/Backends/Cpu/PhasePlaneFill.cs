using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>Fills one phase plane of a channel (CpuDirectConv's input layout, also CpuDirectWeightGrad's):
/// plane[qy, qx] = x[qy·SH + ph − PH, qx·SW + pw − PW], 0 where that lies in the padding (hq×wq values).
///
/// A plane row is [zeros][a stretch of one input row, every SW-th value][zeros]. With AVX-512 and stride 1
/// or 2 each 16 plane values are one or two lane-masked loads (masked-off lanes read nothing) and one
/// store, in place of a Memmove call (stride 1) or a scalar gather (stride 2) plus scalar zero loops per
/// row; what lands in the plane is the same values bit for bit (<see cref="FillScalar"/> is the reference).</summary>
internal static unsafe class PhasePlaneFill
{
    /// <summary>Off sends every plane to <see cref="FillScalar"/> (the benchmarks compare both; same values).</summary>
    internal static bool Vectorized { get; set; } = true;

    public static void Fill(float* plane, float* channel, in Conv2DGeometry g, int ph, int pw, int hq, int wq)
    {
        if (Vectorized && Avx512F.IsSupported && g.SW <= 2) FillAvx512(plane, channel, g, ph, pw, hq, wq);
        else FillScalar(plane, channel, g, ph, pw, hq, wq);
    }

    /// <summary>The plain loop (and the path without AVX-512 or for strides above 2).</summary>
    internal static void FillScalar(float* plane, float* channel, in Conv2DGeometry g, int ph, int pw, int hq, int wq)
    {
        var (a, e) = Inside(g, pw, wq);
        for (var qy = 0; qy < hq; qy++)
        {
            var d = plane + (long)qy * wq;
            var iy = qy * g.SH + ph - g.PH;
            if (iy < 0 || iy >= g.H)
            {
                new Span<float>(d, wq).Clear();
                continue;
            }
            var s = channel + (long)iy * g.W + pw - g.PW;
            for (var qx = 0; qx < a; qx++) d[qx] = 0;
            if (g.SW == 1) Unsafe.CopyBlockUnaligned(d + a, s + a, (uint)((e - a) * sizeof(float)));
            else for (var qx = a; qx < e; qx++) d[qx] = s[qx * g.SW];
            for (var qx = e; qx < wq; qx++) d[qx] = 0;
        }
    }

    /// <summary>Plane columns [a, e) whose input column qx·SW + pw − PW lies in [0, W).</summary>
    private static (int A, int E) Inside(in Conv2DGeometry g, int pw, int wq)
    {
        var a = Math.Clamp(CeilDiv(g.PW - pw, g.SW), 0, wq);
        return (a, Math.Clamp(CeilDiv(g.W + g.PW - pw, g.SW), a, wq));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillAvx512(float* plane, float* channel, in Conv2DGeometry g, int ph, int pw, int hq, int wq)
    {
        var (a, e) = Inside(g, pw, wq);
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // Stride 2: plane lane l of a 16-wide piece is input value 2·l of the 32 loaded as two vectors.
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var (va, ve, vwq) = (Vector512.Create(a), Vector512.Create(e), Vector512.Create(wq));
        for (var qy = 0; qy < hq; qy++)
        {
            var d = plane + (long)qy * wq;
            var iy = qy * g.SH + ph - g.PH;
            var inside = iy >= 0 && iy < g.H;
            var s = channel + (long)iy * g.W + pw - g.PW;
            var q = lanes;
            for (var qx = 0; qx < wq; qx += 16, q += Vector512.Create(16))
            {
                var value = Vector512<float>.Zero;
                if (inside && qx < e && qx + 16 > a)
                {
                    var read = Vector512.GreaterThanOrEqual(q, va) & Vector512.LessThan(q, ve);
                    if (g.SW == 1) value = Avx512F.MaskLoad(s + qx, read.AsSingle(), Vector512<float>.Zero);
                    else
                    {
                        // Input lanes 2l (low vector: plane lanes 0..7, high: 8..15) are read where plane lane l is inside.
                        var low = Avx512F.PermuteVar16x32(read, Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7)) & EvenLanes;
                        var high = Avx512F.PermuteVar16x32(read, Vector512.Create(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15)) & EvenLanes;
                        var x0 = Avx512F.MaskLoad(s + 2 * qx, low.AsSingle(), Vector512<float>.Zero);
                        var x1 = Avx512F.MaskLoad(s + 2 * qx + 16, high.AsSingle(), Vector512<float>.Zero);
                        value = Avx512F.PermuteVar16x32x2(x0, evens, x1);
                    }
                }
                if (qx + 16 <= wq) value.Store(d + qx);
                else Avx512F.MaskStore(d + qx, Vector512.LessThan(q, vwq).AsSingle(), value);
            }
        }
    }

    /// <summary>All bits set in even lanes.</summary>
    private static Vector512<int> EvenLanes => Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0);

    /// <summary>Ceiling of a/b for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;
}
