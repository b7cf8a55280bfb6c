using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Backends.Cpu;

/// <summary>Copies blocks of op(A) and op(B) into the panel order the micro-kernel streams through:
/// A as MR-row panels stored column by column (a[p·MR + r]), B as NR-column panels stored row by row
/// (b[p·NR + j]). Ragged edges are zero-padded to whole panels so the kernel never branches.
/// Transposition is absorbed here, so all four transA/transB cases share one kernel.
///
/// Both operands reduce to one job: cut a slab of a matrix into panels of width W (MR or NR) along
/// its "x" axis (i for A, j for B) and depth kc along p. The source is either p-major (element
/// (x, p) at src[p·ld + x]: panel rows are contiguous copies) or x-major (src[x·ld + p]: a transpose).</summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs alpha·op(A)[i0..i0+mc, p0..p0+kc]; A is stored [m,k], or [k,m] when transA.</summary>
    public static void PackA<TKernel>(bool transA, float* a, int m, int k, int i0, int mc, int p0, int kc, float alpha, float* dst)
        where TKernel : struct, IGemmKernel
    {
        if (transA) PackPMajor(a, m, i0, mc, p0, kc, TKernel.MR, dst);
        else PackXMajor(a, k, i0, mc, p0, kc, TKernel.MR, dst);
        // Folding alpha into the small packed A costs O(mc·kc) instead of touching C.
        if (alpha != 1) Scale(new Span<float>(dst, CeilDiv(mc, TKernel.MR) * TKernel.MR * kc), alpha);
    }

    /// <summary>Packs op(B)[p0..p0+kc, j0..j0+nc]; B is stored [k,n], or [n,k] when transB.</summary>
    public static void PackB<TKernel>(bool transB, float* b, int n, int k, int j0, int nc, int p0, int kc, float* dst)
        where TKernel : struct, IGemmKernel
    {
        if (transB) PackXMajor(b, k, j0, nc, p0, kc, TKernel.NR, dst);
        else PackPMajor(b, n, j0, nc, p0, kc, TKernel.NR, dst);
    }

    /// <summary>Element (x, p) at src[p·ld + x]. Walks the source row by row (sequential reads the
    /// prefetcher follows even when ld is huge) and drops each W-wide piece into its panel.
    /// Inlined into PackA/PackB so that w is a constant there and the piece copy is unrolled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackPMajor(float* src, int ld, int x0, int xc, int p0, int kc, int w, float* dst)
    {
        var fullPanels = xc / w;
        var rest = xc - fullPanels * w;
        var panelSize = kc * w;
        for (var p = 0; p < kc; p++)
        {
            var s = src + (long)(p0 + p) * ld + x0;
            var d = dst + p * w;
            for (var panel = 0; panel < fullPanels; panel++, s += w, d += panelSize)
                Unsafe.CopyBlockUnaligned(d, s, (uint)(w * sizeof(float)));
            if (rest > 0)
            {
                for (var x = 0; x < rest; x++) d[x] = s[x];
                for (var x = rest; x < w; x++) d[x] = 0;
            }
        }
    }

    /// <summary>Element (x, p) at src[x·ld + p]: a transpose. Whole 8×8 blocks go through registers
    /// (8 source rows read sequentially at a time); ragged edges fall back to scalar moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackXMajor(float* src, int ld, int x0, int xc, int p0, int kc, int w, float* dst)
    {
        var simd = Transpose8x8.IsSupported && w % 8 == 0;
        var kc8 = simd ? kc / 8 * 8 : 0;
        for (var xr = 0; xr < xc; xr += w, dst += kc * w)
        {
            var width = Math.Min(w, xc - xr);
            var width8 = simd ? width / 8 * 8 : 0;
            for (var xb = 0; xb < width8; xb += 8)
            {
                var s = src + (long)(x0 + xr + xb) * ld + p0;
                for (var p = 0; p < kc8; p += 8) Transpose8x8.Run(s + p, ld, dst + p * w + xb, w);
            }
            // What the 8×8 blocks did not cover: the last kc % 8 steps of p, the last width % 8
            // lines, and the zero padding of a ragged last panel.
            for (var x = 0; x < w; x++)
            {
                var s = src + (long)(x0 + xr + x) * ld + p0;
                for (var p = x < width8 ? kc8 : 0; p < kc; p++) dst[p * w + x] = x < width ? s[p] : 0;
            }
        }
    }

    private static void Scale(Span<float> x, float alpha)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
        for (var i = 0; i < vectors.Length; i++) vectors[i] *= alpha;
        for (var i = vectors.Length * Vector<float>.Count; i < x.Length; i++) x[i] *= alpha;
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
