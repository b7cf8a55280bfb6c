using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>A convolution's kernel gradient without im2col and without GEMM packing:
/// dw[f, c, i, j] += Σ_b Σ_oy Σ_ox dz[b, f, oy, ox] · x[b, c, oy·SH − PH + i, ox·SW − PW + j],
/// with dz read from the gradient rows dyT [F, N·OH·OW].
///
/// Per image, x is copied once into zero-padded "phase planes" (for a stride s, s×s planes of every s-th
/// row and column, each Hq×Wq with Hq = OH + (KH − 1)/SH, Wq = OW + (KW − 1)/SW: the layout of
/// CpuDirectConv), and dz once into rows of the same width Wq (zeros at ox ≥ OW). Output position
/// q = oy·Wq + ox then reads tap (i, j) at a fixed offset from q, so every kernel entry (c, i, j) is a
/// dot product of two contiguous streams: dz's row and x's planes shifted by the tap's offset. The
/// register block (<see cref="IDirectWeightGradKernel"/>: AVX-512 8 filters × 3 entries) keeps one
/// partial sum per lane and adds the lanes at the end. Each x float is read once per block of filters
/// instead of being unfolded 9 times and packed twice (CpuConvWeightGrad's im2col chunks).
///
/// Determinism: the images are split into <see cref="Slices"/> fixed ranges and each range into
/// batches whose size depends on the shape only; every batch's block sums (lanes chained over the
/// batch's images and positions, then added in a fixed tree) go into the range's accumulator in batch
/// order, and the ranges are added in order at the end. The result is the same on any thread count.</summary>
internal static unsafe class CpuDirectWeightGrad
{
    /// <summary>Image ranges, each one work item with its own accumulator.</summary>
    private const int Slices = 4;

    /// <summary>Floats of planes (x and dz) per batch of images: 384 KB, so a batch stays in L2 while
    /// every block of filters walks it.</summary>
    private const int BatchFloats = 96 * 1024;

    /// <summary>Most floats of dz per kernel call (32 KB): its block of filters over a piece of positions,
    /// kept in L1 across the calls for every unfolded row. Long pieces also pay for each call's lane sums
    /// (the AVX-512 block ran at 46% of its in-cache speed on 18 vectors, 86% on 36, 100% on 64).</summary>
    private const int ChunkFloats = 8192;

    /// <summary>Whether the SIMD kernels run here (the scalar twin exists for tests and other machines).</summary>
    public static bool IsSupported => Avx512DirectWeightGradKernel.IsSupported || Avx2DirectWeightGradKernel.IsSupported;

    /// <summary>Whether this geometry can run here: undilated, one group.</summary>
    public static bool Handles(in Conv2DGeometry g) => !g.Dilated && g.Groups == 1;

    /// <summary>Share of the positions a block computes that are output pixels (the rest are the planes'
    /// padding columns and the last vector's tail, computed as zeros).</summary>
    public static double KeptShare(in Conv2DGeometry g, int lanes)
    {
        var layout = new Layout(g, lanes, 1, 1);
        return (double)g.OH * g.OW / ((long)layout.Vectors * lanes);
    }

    /// <summary>Vectors of positions per kernel call (per lane sum): a piece of one image on wide planes, else
    /// as many whole images as a piece holds and the batch and a slice have.</summary>
    public static int VectorsPerCall(in Conv2DGeometry g, int lanes, int filters)
    {
        var layout = new Layout(g, lanes, filters, 3);
        var chunk = Math.Max(1, ChunkFloats / (filters * lanes));
        if (layout.Vectors >= chunk) return layout.Vectors / ((layout.Vectors + chunk - 1) / chunk);
        var perSlice = (g.N + Slices - 1) / Slices;
        return Math.Min(chunk / layout.Vectors, Math.Min(layout.Batch, perSlice)) * layout.Vectors;
    }

    public static void Run(ReadOnlySpan<float> dyT, ReadOnlySpan<float> x, in Conv2DGeometry g, Span<float> dw)
    {
        if (Avx512DirectWeightGradKernel.IsSupported) Run<Avx512DirectWeightGradKernel>(dyT, x, g, dw);
        else if (Avx2DirectWeightGradKernel.IsSupported) Run<Avx2DirectWeightGradKernel>(dyT, x, g, dw);
        else Run<ScalarDirectWeightGradKernel>(dyT, x, g, dw);
    }

    /// <summary>Tests call each kernel the machine has.</summary>
    internal static void Run<TKernel>(ReadOnlySpan<float> dyT, ReadOnlySpan<float> x, in Conv2DGeometry g, Span<float> dw)
        where TKernel : struct, IDirectWeightGradKernel
    {
        if (!TKernel.IsSupported || !Handles(g))
            throw new ArgumentException($"direct conv kernel gradient: needs an undilated convolution with one group on a CPU that runs the kernel; received {g}.");
        var (f, k) = (g.F, g.ColumnRows);
        if (dyT.Length < g.OutputSize || x.Length < g.InputSize || dw.Length < (long)f * k)
            throw new ArgumentException($"direct conv kernel gradient ({g}): dyT ≥ {g.OutputSize}, x ≥ {g.InputSize}, dw ≥ {(long)f * k} floats; " +
                $"received {dyT.Length}, {x.Length}, {dw.Length}.");
        if (f == 0 || k == 0 || g.N == 0 || g.OH == 0 || g.OW == 0) return;

        var layout = new Layout(g, TKernel.Lanes, TKernel.Filters, TKernel.Taps);
        var slices = Math.Min(Slices, g.N);
        var size = layout.FPad * layout.KPad;
        var partials = ArrayPool<float>.Shared.Rent(slices * size);
        var offsets = ArrayPool<int>.Shared.Rent(layout.KPad);
        // Expand plans (AVX-512 only): the dz rows' vectors, then the x planes' vectors when stride 1.
        var expand = ExpandCopies && TKernel.Lanes == 16 && Avx512F.IsSupported;
        var xVectors = expand && g.SH == 1 && g.SW == 1 ? (layout.Plane + 15) / 16 : 0;
        var planVectors = expand ? layout.Vectors + xVectors : 0;
        var planMasks = ArrayPool<float>.Shared.Rent(planVectors * 16 + 16);
        var planStarts = ArrayPool<int>.Shared.Rent(planVectors + 1);
        try
        {
            fixed (float* pdy = dyT, px = x, pPartials = partials, pMasksUnaligned = planMasks)
            fixed (int* po = offsets, pStarts = planStarts)
            {
                var pMasks = (float*)(((nint)pMasksUnaligned + 63) & ~(nint)63);
                if (expand) PlanRows(g, layout, pMasks, pStarts);
                if (xVectors > 0 && !PlanPlane(g, layout, xVectors, pMasks + layout.Vectors * 16, pStarts + layout.Vectors)) xVectors = 0;
                var taps = g.KH * g.KW;
                for (var q = 0; q < layout.KPad; q++)
                {
                    var (c, t) = q < k ? Math.DivRem(q, taps) : (0, 0); // padding entries reuse entry 0, thrown away
                    po[q] = (int)(c * layout.ChannelPlanes) + layout.TapOffset(t / g.KW, t % g.KW);
                }
                var job = new Job(pdy, px, g, layout, po, pPartials, slices, expand ? pMasks : null, pStarts, xVectors);
                var work = 2L * f * k * g.N * g.OH * g.OW;
                if (slices > 1 && work >= 2_000_000) CpuParallel.For(slices, job, static (j, s) => RunSlice<TKernel>(j, s));
                else for (var s = 0; s < slices; s++) RunSlice<TKernel>(job, s);
            }
            fixed (float* pPartials = partials, pdw = dw)
                AddSlices(pPartials, slices, size, layout, f, k, pdw);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(planStarts);
            ArrayPool<float>.Shared.Return(planMasks);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>Off: the copies take the row-by-row loops on every machine (benchmarks and tests compare both;
    /// the values are the same either way).</summary>
    internal static bool ExpandCopies { get; set; } = true;

    /// <summary>The dz rows' expand plan: vector v of an image's rows (positions q = oy·Wq + ox) keeps the lanes
    /// with ox &lt; OW and oy &lt; OH, and those lanes' values are consecutive in dyT (pixel oy·OW + ox), starting
    /// at starts[v]; masks[v·16 + l] has all bits set for a kept lane. One masked expanding load then fills a
    /// whole vector, zeros included.</summary>
    private static void PlanRows(in Conv2DGeometry g, in Layout layout, float* masks, int* starts)
    {
        var wq = layout.Wq;
        for (var v = 0; v < layout.Vectors; v++)
        {
            starts[v] = 0;
            var first = true;
            for (var l = 0; l < 16; l++)
            {
                var (oy, ox) = Math.DivRem(v * 16 + l, wq);
                var kept = oy < g.OH && ox < g.OW;
                masks[v * 16 + l] = kept ? AllSet : 0f;
                if (kept && first) (starts[v], first) = (oy * g.OW + ox, false);
            }
        }
    }

    /// <summary>A stride-1 channel plane's expand plan: plane position p = qy·Wq + qx holds x[qy − PH, qx − PW]
    /// (zero outside the image). Vector v keeps the lanes inside the image; false where some vector's kept
    /// lanes are not consecutive in x (a plane narrower than the image), and the row copies serve instead.</summary>
    private static bool PlanPlane(in Conv2DGeometry g, in Layout layout, int vectors, float* masks, int* starts)
    {
        var wq = layout.Wq;
        for (var v = 0; v < vectors; v++)
        {
            starts[v] = 0;
            var next = -1L;
            for (var l = 0; l < 16; l++)
            {
                var p = v * 16 + l;
                var (qy, qx) = Math.DivRem(p, wq);
                var (iy, ix) = (qy - g.PH, qx - g.PW);
                var kept = p < layout.Plane && iy >= 0 && iy < g.H && ix >= 0 && ix < g.W;
                masks[v * 16 + l] = kept ? AllSet : 0f;
                if (!kept) continue;
                var at = (long)iy * g.W + ix;
                if (next < 0) starts[v] = (int)at;
                else if (at != next) return false;
                next = at + 1;
            }
        }
        return true;
    }

    private static readonly float AllSet = BitConverter.Int32BitsToSingle(-1);

    /// <summary>dw += Σ_s partial_s, slices in order. Once per layer and step, so it would run as tier-0 code
    /// for a user's first ~30 steps without the attribute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddSlices(float* partials, int slices, int size, in Layout layout, int f, int k, float* dw)
    {
        var (fb, kPad) = (layout.FB, layout.KPad);
        for (var r = 0; r < f; r++)
        {
            var (block, row) = Math.DivRem(r, fb);
            var src = partials + (long)block * kPad * fb + row;
            var dst = dw + (long)r * k;
            for (var q = 0; q < k; q++)
            {
                var at = (long)q * fb;
                var sum = src[at];
                for (var s = 1; s < slices; s++) sum += src[(long)s * size + at];
                dst[q] += sum;
            }
        }
    }

    /// <summary>Where the planes put things. Image b of a batch: x's planes at b·XImage (channel c's phase
    /// (ph, pw) plane at (c·PR·PC + ph·PC + pw)·Plane, PR = min(SH, KH) and PC = min(SW, KW) phases, the
    /// ones some tap reads), dz at b·DzImage as [filter block][vector][filter in block][lane].</summary>
    private readonly struct Layout
    {
        public readonly int Hq, Wq, Plane, PR, PC, Positions, Vectors, Lanes, FB, FPad, KPad, Batch;
        public readonly long ChannelPlanes, XImage, DzImage;
        private readonly int _sh, _sw;

        public Layout(in Conv2DGeometry g, int lanes, int filters, int taps)
        {
            (_sh, _sw) = (g.SH, g.SW);
            Hq = g.OH + (g.KH - 1) / g.SH;
            Wq = g.OW + (g.KW - 1) / g.SW;
            Plane = Hq * Wq;
            (PR, PC) = (Math.Min(g.SH, g.KH), Math.Min(g.SW, g.KW));
            ChannelPlanes = (long)PR * PC * Plane;
            Positions = (g.OH - 1) * Wq + g.OW;
            Lanes = lanes;
            Vectors = (Positions + lanes - 1) / lanes;
            FB = filters;
            FPad = (g.F + filters - 1) / filters * filters;
            KPad = (g.ColumnRows + taps - 1) / taps * taps;
            XImage = (g.C * ChannelPlanes + 15) / 16 * 16;
            DzImage = (long)FPad * Vectors * lanes;
            Batch = (int)Math.Clamp(BatchFloats / (XImage + DzImage), 1, Math.Max(1, g.N));
        }

        /// <summary>Offset of tap (i, j) from position q within a channel's planes.</summary>
        public int TapOffset(int i, int j) => ((i % _sh) * PC + j % _sw) * Plane + i / _sh * Wq + j / _sw;

        /// <summary>Floats of one thread's batch buffer: x planes, 16 zeros (read past the last image's
        /// last vector), dz rows, one staging row.</summary>
        public long BufferFloats => Batch * XImage + 16 + Batch * DzImage + (long)Vectors * Lanes + 16;
    }

    private readonly struct Job(float* dyT, float* x, in Conv2DGeometry g, in Layout layout, int* offsets, float* partials, int slices,
        float* masks, int* starts, int xVectors)
    {
        public readonly float* DyT = dyT, X = x, Partials = partials;
        public readonly Conv2DGeometry G = g;
        public readonly Layout Layout = layout;
        public readonly int* Offsets = offsets;
        public readonly int Slices = slices;

        /// <summary>Expand plans (null: row copies): the dz rows' Layout.Vectors vectors, then XVectors plane
        /// vectors (0: the x planes take FillPhasePlane).</summary>
        public readonly float* Masks = masks;
        public readonly int* Starts = starts;
        public readonly int XVectors = xVectors;
    }

    [ThreadStatic] private static float[]? _buffer;

    /// <summary>This thread's batch buffer, 64-byte aligned. Its first size covers every batch of
    /// <see cref="BatchFloats"/>, so which thread runs which slice never makes a later step allocate.</summary>
    private static float* Buffer(long floats)
    {
        var want = Math.Max(floats, 2L * BatchFloats) + 16;
        if (_buffer is null || _buffer.Length < want)
            _buffer = GC.AllocateUninitializedArray<float>((int)want, pinned: true);
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
        return (float*)((start + 63) & ~(nint)63);
    }

    /// <summary>Slice s: images [s·N/slices, (s+1)·N/slices) in batches, summed in order into accumulator s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunSlice<TKernel>(in Job job, int s) where TKernel : struct, IDirectWeightGradKernel
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (fb, lanes, taps) = (TKernel.Filters, TKernel.Lanes, TKernel.Taps);
        var partial = job.Partials + (long)s * layout.FPad * layout.KPad;
        new Span<float>(partial, layout.FPad * layout.KPad).Clear();
        var buffer = Buffer(layout.BufferFloats);
        var xs = buffer;
        var first = (int)((long)s * g.N / job.Slices);
        var end = (int)((long)(s + 1) * g.N / job.Slices);
        for (var b0 = first; b0 < end; b0 += layout.Batch)
        {
            var images = Math.Min(layout.Batch, end - b0);
            var dzs = xs + images * layout.XImage + 16;
            var staging = dzs + images * layout.DzImage;
            for (var b = 0; b < images; b++)
            {
                if (job.XVectors > 0) ExpandImage(job, b0 + b, xs + b * layout.XImage);
                else UnfoldImage(job, b0 + b, xs + b * layout.XImage);
                if (job.Masks != null) ExpandRows(job, b0 + b, dzs + b * layout.DzImage);
                else GradRows(job, b0 + b, dzs + b * layout.DzImage, staging);
            }
            new Span<float>(xs + images * layout.XImage, 16).Clear();
            // Block of filters, then a piece of positions whose dz block (ChunkFloats) stays in L1 while
            // every unfolded row of x streams past it from L2.
            var blocks = layout.FPad / fb;
            var chunk = Math.Max(1, ChunkFloats / (fb * lanes)); // vectors per piece
            for (var block = 0; block < blocks; block++)
            {
                var dzBlock = dzs + (long)block * layout.Vectors * lanes * fb;
                var sums = partial + (long)block * layout.KPad * fb;
                if (layout.Vectors >= chunk)
                {
                    // Pieces of equal length (an image's vectors split evenly).
                    var pieces = (layout.Vectors + chunk - 1) / chunk;
                    for (var b = 0; b < images; b++)
                        for (var piece = 0; piece < pieces; piece++)
                        {
                            var v0 = (int)((long)piece * layout.Vectors / pieces);
                            var v1 = (int)((long)(piece + 1) * layout.Vectors / pieces);
                            Piece<TKernel>(job, dzBlock + b * layout.DzImage + (long)v0 * fb * lanes, xs + b * layout.XImage + (long)v0 * lanes,
                                1, v1 - v0, sums);
                        }
                }
                else
                {
                    var per = chunk / layout.Vectors;
                    for (var b = 0; b < images; b += per)
                        Piece<TKernel>(job, dzBlock + b * layout.DzImage, xs + b * layout.XImage, Math.Min(per, images - b), layout.Vectors, sums);
                }
            }
        }
    }

    /// <summary>Every unfolded row of x (three at a time) against one piece of a block's dz.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Piece<TKernel>(in Job job, float* dz, float* x, int images, int vectors, float* sums) where TKernel : struct, IDirectWeightGradKernel
    {
        ref readonly var layout = ref job.Layout;
        var (taps, fb) = (TKernel.Taps, TKernel.Filters);
        for (var q = 0; q < layout.KPad; q += taps)
            TKernel.Block(dz, layout.DzImage, x + job.Offsets[q], x + job.Offsets[q + 1], x + job.Offsets[q + 2], layout.XImage,
                images, vectors, sums + (long)q * fb);
    }

    /// <summary>Copies image b's channels into zero-padded phase planes (see <see cref="Layout"/>) at dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfoldImage(in Job job, int image, float* dst)
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (hq, wq) = (layout.Hq, layout.Wq);
        var src0 = job.X + (long)image * g.C * g.H * g.W;
        for (var c = 0; c < g.C; c++)
        {
            var channel = src0 + (long)c * g.H * g.W;
            for (var ph = 0; ph < layout.PR; ph++)
                for (var pw = 0; pw < layout.PC; pw++)
                {
                    var plane = dst + c * layout.ChannelPlanes + (ph * layout.PC + pw) * layout.Plane;
                    CpuDirectConv.FillPhasePlane(plane, channel, g, ph, pw, hq, wq);
                }
        }
        // The rounding gap after the last channel is read by positions whose dz is zero; keep it finite.
        var used = g.C * layout.ChannelPlanes;
        new Span<float>(dst + used, (int)(layout.XImage - used)).Clear();
    }

    /// <summary><see cref="UnfoldImage"/> for stride 1 in one pass: each vector of a channel's plane is one masked
    /// expanding load from x (its kept lanes are consecutive there) and one store, instead of a copy call
    /// and zero fills per row. Same values. The planes follow each other unaligned, so a plane's last
    /// vector also writes (zeros) over the start of the next one, which is filled after it; the last
    /// channel's spills into the image's rounding gap, cleared at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpandImage(in Job job, int image, float* dst)
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var masks = job.Masks + layout.Vectors * 16;
        var starts = job.Starts + layout.Vectors;
        var vectors = job.XVectors;
        var channelFloats = (long)g.H * g.W;
        var src0 = job.X + image * g.C * channelFloats;
        for (var c = 0; c < g.C; c++)
        {
            var s = src0 + c * channelFloats;
            var d = dst + c * layout.ChannelPlanes;
            for (var v = 0; v < vectors; v++)
                Avx512F.ExpandLoad(s + starts[v], Vector512.Load(masks + v * 16), Vector512<float>.Zero).Store(d + v * 16);
        }
        var used = g.C * layout.ChannelPlanes;
        new Span<float>(dst + used, (int)(layout.XImage - used)).Clear();
    }

    /// <summary><see cref="GradRows"/> in one pass: per vector of positions one masked expanding load from each
    /// filter's row in dyT (the kept lanes' values are consecutive there) straight into the blocked layout,
    /// without the staging row. Same values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpandRows(in Job job, int image, float* dst)
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (fb, vectors) = (layout.FB, layout.Vectors);
        var pixels = g.OH * g.OW;
        var columns = (long)g.N * pixels;
        var src0 = job.DyT + (long)image * pixels;
        for (var block = 0; block < layout.FPad / fb; block++)
        {
            var d = dst + (long)block * vectors * fb * 16;
            var rows = Math.Min(fb, g.F - block * fb);
            var src = src0 + block * fb * columns;
            for (var v = 0; v < vectors; v++, d += fb * 16)
            {
                var mask = Vector512.Load(job.Masks + v * 16);
                var s = src + job.Starts[v];
                var r = 0;
                for (; r < rows; r++, s += columns) Avx512F.ExpandLoad(s, mask, Vector512<float>.Zero).Store(d + r * 16);
                for (; r < fb; r++) Vector512<float>.Zero.Store(d + r * 16);
            }
        }
    }

    /// <summary>Writes image b's gradient rows into dst as [filter block][vector][filter in block][lane],
    /// row oy of filter f at positions oy·Wq .. oy·Wq + OW, zeros elsewhere (and for padding filters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradRows(in Job job, int image, float* dst, float* staging)
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (lanes, fb, vectors, wq) = (layout.Lanes, layout.FB, layout.Vectors, layout.Wq);
        var pixels = g.OH * g.OW;
        var columns = (long)g.N * pixels;
        var row = new Span<float>(staging, vectors * lanes);
        row.Clear(); // the gaps and the tail stay zero: every filter writes the same positions
        for (var f = 0; f < layout.FPad; f++)
        {
            var (block, r) = Math.DivRem(f, fb);
            var d = dst + ((long)block * vectors * fb + r) * lanes;
            if (f >= g.F)
            {
                for (var v = 0; v < vectors; v++) new Span<float>(d + (long)v * fb * lanes, lanes).Clear();
                continue;
            }
            var src = job.DyT + f * columns + (long)image * pixels;
            for (var oy = 0; oy < g.OH; oy++) CopyFloats(src + oy * g.OW, staging + oy * wq, g.OW);
            // Inline vector copies: these are many short copies per image (a Memmove call each cost as much as
            // the seed CNN conv1's multiply-adds).
            if (lanes == 16)
                for (var v = 0; v < vectors; v++) Vector512.Load(staging + v * 16).Store(d + (long)v * fb * 16);
            else if (lanes == 8)
                for (var v = 0; v < vectors; v++) Vector256.Load(staging + v * 8).Store(d + (long)v * fb * 8);
            else
                for (var v = 0; v < vectors; v++) CopyFloats(staging + v * lanes, d + (long)v * fb * lanes, lanes);
        }
    }

    /// <summary>d[0, count) = s[0, count): whole vectors, then single floats (never past count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyFloats(float* s, float* d, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512.Load(s + i).Store(d + i);
        for (; i + 8 <= count; i += 8) Vector256.Load(s + i).Store(d + i);
        for (; i < count; i++) d[i] = s[i];
    }
}
