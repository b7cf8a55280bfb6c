using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>A convolution's input gradient as transposed convolutions, with no unfolded gradient (dcol)
/// and no col2im (CpuConvGemm.InputGrad is the entry point):
/// dx[b, c, y, x] (+)= Σ_f Σ_i Σ_j w[f, c, i, j]·dz[b, f, (y + PH − i)/SH, (x + PW − j)/SW] over the taps
/// where both divisions are exact and land inside dz.
///
/// Polyphase split: the dx pixels of one parity class (y ≡ ry mod SH, x ≡ rx mod SW) only meet the taps
/// i ≡ ry + PH, j ≡ rx + PW (mod the stride), and for them the sum is a stride-1 correlation of dz with
/// that sub-kernel, flipped, and its channel axes swapped. So a stride-s convolution's input gradient is s²
/// stride-1 transposed convolutions, one per phase, each writing its dx pixels and no others (a phase with
/// no taps, as three of a 1×1 stride-2 convolution's four, is zero). Stride 1 is the one phase.
///
/// Each phase is one GEMM: dx_phase [C, N·Hs·Ws] = flipped [C, K] · unfold(dz), K = F·KHs·KWs, each
/// NR-wide column panel of the unfolded dz packed straight from dz by <see cref="ConvPanelUnfold"/> and
/// multiplied by every MR-row panel of the filters over the whole of k; finished tiles are added to (or
/// overwrite) their NCHW places. Panels (and, with few columns, channel row panels: <see cref="ConvPanelWork"/>) are spread over the cores; each dx element is one dot product
/// over (f, i, j) computed by one thread in a fixed order, so the result does not depend on the thread
/// count. That order differs from GEMM-then-col2im (a sum over f, then the taps added one by one), so the
/// bits differ from that composite within float32 rounding.</summary>
internal static unsafe class CpuConvInputGrad
{
    /// <summary>Longest k (F·KHs·KWs of one phase) handled: a packed panel of k·NR floats (1 MiB at most).</summary>
    public const int MaxK = 8192;

    /// <summary>The taps of a kernel axis that meet output parity r: the first tap, how many there are
    /// (every stride-th from the first), and the shift d with dz index = u + d − a for the a-th of them
    /// (u indexes the phase's pixels).</summary>
    private static (int First, int Count, int Shift) PhaseTaps(int r, int stride, int pad, int kernel)
    {
        var first = (r + pad) % stride;
        var count = first >= kernel ? 0 : (kernel - first + stride - 1) / stride;
        return (first, count, (r + pad - first) / stride);
    }

    /// <summary>The largest k of any phase (what Run needs room for).</summary>
    public static long LargestK(in Conv2DGeometry g) =>
        (long)g.F * ((g.KH + g.SH - 1) / g.SH) * ((g.KW + g.SW - 1) / g.SW);

    public static void Run<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> dyT, in Conv2DGeometry g, Span<float> dx, bool assign)
        where TKernel : struct, IGemmKernel
    {
        fixed (float* pw = w, pdz = dyT, pdx = dx)
            for (var ry = 0; ry < g.SH; ry++)
                for (var rx = 0; rx < g.SW; rx++)
                    RunPhase<TKernel>(pw, pdz, g, pdx, assign, ry, rx);
    }

    private static void RunPhase<TKernel>(float* w, float* dz, in Conv2DGeometry g, float* dx, bool assign, int ry, int rx)
        where TKernel : struct, IGemmKernel
    {
        var (hs, ws) = ((g.H - ry + g.SH - 1) / g.SH, (g.W - rx + g.SW - 1) / g.SW);
        if (hs <= 0 || ws <= 0) return;
        var (i0, khs, dy0) = PhaseTaps(ry, g.SH, g.PH, g.KH);
        var (j0, kws, dx0) = PhaseTaps(rx, g.SW, g.PW, g.KW);
        var output = new Phase(dx, g.C, g.H, g.W, ry, rx, g.SH, g.SW, hs, ws);
        if (khs == 0 || kws == 0)
        {
            if (assign) ClearPhase(output, g.N);
            return;
        }
        // The phase reads dz as its image (F channels of OH×OW) with the flipped sub-kernel: tap a of KHs
        // is kernel row i0 + SH·(KHs − 1 − a), at dz row u + dy0 − (KHs − 1 − a), i.e. padding KHs − 1 − dy0.
        var t = new Conv2DGeometry
        {
            N = g.N, C = g.F, F = g.C, Groups = 1, H = g.OH, W = g.OW, KH = khs, KW = kws, SH = 1, SW = 1,
            PH = khs - 1 - dy0, PW = kws - 1 - dx0, DH = 1, DW = 1, OH = hs, OW = ws,
        };
        var k = g.F * khs * kws;
        var taps = g.KH * g.KW;
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var flipped = ArrayPool<float>.Shared.Rent(g.C * k);
        var packed = ArrayPool<float>.Shared.Rent((g.C + mr - 1) / mr * mr * k);
        try
        {
            // flipped[c, (f, a, b)] = w[f, c, i0 + SH·(KHs − 1 − a), j0 + SW·(KWs − 1 − b)]
            for (var c = 0; c < g.C; c++)
                for (var f = 0; f < g.F; f++)
                    for (var a = 0; a < khs; a++)
                        for (var b = 0; b < kws; b++)
                            flipped[(long)c * k + (f * khs + a) * kws + b] =
                                w[(long)(f * g.C + c) * taps + (i0 + g.SH * (khs - 1 - a)) * g.KW + j0 + g.SW * (kws - 1 - b)];
            fixed (float* pflipped = flipped, ppacked = packed)
            {
                GemmPacking.PackA<TKernel>(false, pflipped, g.C, k, 0, g.C, 0, k, 1f, ppacked);
                var pixels = (long)g.OH * g.OW;
                var source = new CpuConvGemm.ImageSource(dz, t, pixels, g.N * pixels); // dyT is [F][N][P]: image b at b·P, channel f at f·N·P
                var columns = g.N * hs * ws;
                var split = new ConvPanelWork(columns, nr, g.C, mr);
                var job = new Job(ppacked, source, output, k, columns, !assign, split);
                var items = split.Items;
                if (items > 1 && 2L * g.C * k * columns >= 2_000_000) CpuParallel.For(items, job, static (j, item) => RunPanels<TKernel>(j, item));
                else for (var item = 0; item < items; item++) RunPanels<TKernel>(job, item);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
            ArrayPool<float>.Shared.Return(flipped);
        }
    }

    /// <summary>Where a phase's pixels live in dx [N, C, H, W]: pixel (u, v) of the Hs×Ws phase grid is
    /// dx row ry + SH·u, column rx + SW·v.</summary>
    private readonly struct Phase(float* dx, int channels, int h, int w, int ry, int rx, int sh, int sw, int hs, int ws)
    {
        public readonly float* Dx = dx;
        public readonly int Channels = channels, H = h, W = w, Ry = ry, Rx = rx, SH = sh, SW = sw, Hs = hs, Ws = ws;
        public bool Dense => SH == 1 && SW == 1;
    }

    private readonly struct Job(float* packedW, CpuConvGemm.ImageSource source, Phase output, int k, int columns, bool accumulate, ConvPanelWork split)
    {
        public readonly ConvPanelWork Split = split;
        public readonly float* PackedW = packedW;
        public readonly CpuConvGemm.ImageSource Source = source;
        public readonly Phase Output = output;
        public readonly int K = k, Columns = columns;
        public readonly bool Accumulate = accumulate;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPanels<TKernel>(in Job job, int item) where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var scratch = GemmScratch.ForThisThread;
        var packedB = scratch.B(job.K * nr);
        var tile = scratch.Tile(mr * nr);
        var (first, last, rowFirst, rowEnd) = job.Split.Item(item);
        var channels = job.Output.Channels;
        for (var j0 = first; j0 < last; j0 += nr)
        {
            var nc = Math.Min(nr, job.Columns - j0);
            ConvPanelUnfold.Pack(job.Source, j0, nc, nr, packedB);
            for (var i0 = rowFirst; i0 < rowEnd; i0 += mr)
            {
                TKernel.Run(job.K, job.PackedW + (long)i0 * job.K, packedB, tile, nr, 0f);
                var rows = Math.Min(mr, channels - i0);
                for (var r = 0; r < rows; r++) StoreRow(job, tile + r * nr, i0 + r, j0, nc);
            }
        }
    }

    /// <summary>Writes (or adds) nc finished values of channel c, phase columns j0.. (which may span rows and
    /// images), to their dx places: runs along a phase row are contiguous in dx for stride 1, every SW-th
    /// element otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreRow(in Job job, float* values, int c, int j0, int nc)
    {
        ref readonly var o = ref job.Output;
        var plane = (long)o.H * o.W;
        if (o.Dense)
        {
            var (image, pixel) = Math.DivRem(j0, (int)plane);
            for (var j = 0; j < nc;)
            {
                var run = (int)Math.Min(nc - j, plane - pixel);
                var dst = o.Dx + ((long)image * o.Channels + c) * plane + pixel;
                if (job.Accumulate) AddRun(values + j, dst, run);
                else Unsafe.CopyBlockUnaligned(dst, values + j, (uint)(run * sizeof(float)));
                j += run;
                (image, pixel) = (image + 1, 0);
            }
            return;
        }
        var pixels = o.Hs * o.Ws;
        for (var j = 0; j < nc;)
        {
            var (image, p) = Math.DivRem(j0 + j, pixels);
            var (u, v) = Math.DivRem(p, o.Ws);
            var run = Math.Min(nc - j, o.Ws - v);
            var dst = o.Dx + ((long)image * o.Channels + c) * plane + (long)(o.Ry + o.SH * u) * o.W + o.Rx + o.SW * v;
            var src = values + j;
            if (job.Accumulate) for (var e = 0; e < run; e++) dst[e * o.SW] += src[e];
            else for (var e = 0; e < run; e++) dst[e * o.SW] = src[e];
            j += run;
        }
    }

    /// <summary>Zeroes a phase's dx pixels in every image and channel (a phase that no tap reaches, when dx is overwritten).</summary>
    private static void ClearPhase(in Phase o, int images)
    {
        for (long plane = 0; plane < (long)images * o.Channels; plane++)
            for (var u = 0; u < o.Hs; u++)
            {
                var dst = o.Dx + plane * o.H * o.W + (long)(o.Ry + o.SH * u) * o.W + o.Rx;
                for (var v = 0; v < o.Ws; v++) dst[v * o.SW] = 0;
            }
    }

    /// <summary>dst[i] += src[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun(float* src, float* dst, int n)
    {
        var i = 0;
        for (; i <= n - 8; i += 8) (Vector256.Load(dst + i) + Vector256.Load(src + i)).Store(dst + i);
        for (; i < n; i++) dst[i] += src[i];
    }
}
