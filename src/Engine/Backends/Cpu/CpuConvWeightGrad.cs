using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.Backends.Cpu;

/// <summary>A convolution's kernel gradient dw [F, K] += dyT [F, N·P] · colᵀ with col = im2col(x) never
/// materialised (implicit im2col, as the forward does): the columns are walked in chunks of
/// <see cref="ChunkColumns"/>; each chunk of col is unfolded from x into a small per-thread buffer
/// (in cache), packed with the chunk of dyT, and multiplied into a padded F×K accumulator.
///
/// Determinism: the chunks are split into a number of slices fixed by the shape (never by the core
/// count); each slice sums its chunks in order into its own accumulator, and the slices are added in
/// slice order at the end. Every dw element thus gets the same operations in the same order on any
/// thread count. The order differs from one long GEMM over explicit col (CpuGemm blocks k its own
/// way), so results can differ from that composite in the last bits.
///
/// Where the shape suits it (<see cref="PrefersDirect"/>), <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{float}, in Conv2DGeometry, Span{float})"/>
/// hands the work to CpuDirectWeightGrad instead (no unfolding, no packing; its own fixed order).</summary>
internal static unsafe class CpuConvWeightGrad
{
    /// <summary>Columns (output pixels over the batch) per chunk: the unfolded chunk (K·256 floats) and
    /// its packed copy stay in L2 for the K of common layers.</summary>
    public const int ChunkColumns = 256;

    /// <summary>Slices of the column range, each one work item with its own accumulator.</summary>
    private const int Slices = 4;

    /// <summary>Whether this is the faster way for the geometry (ConvBackwardBenchmarks): with the general
    /// packer it won only on 'same' layers with rows of 16 or more; with ConvPanelUnfold it won on every
    /// measured shape (ResNet-20's 32-, 16- and 8-wide stages, the seed CNN's conv1 and conv2 by 30–50%;
    /// its conv3 with 3-wide rows tied). K is capped so the unfolded chunk (K·256 floats) stays in L2.</summary>
    public static bool Prefers(in Conv2DGeometry g) =>
        !g.Dilated && g.Groups == 1 && (g.ColumnRows <= CpuConvGemm.MaxK || PrefersDirect(g));

    /// <summary>Whether <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{float}, in Conv2DGeometry, Span{float})"/>
    /// takes the direct kernel (CpuDirectWeightGrad: no im2col, no packing) rather than the implicit-im2col GEMM.
    /// The direct kernel saves the unfolding and packing but computes the planes' padding columns too, so
    /// it wins where it throws few positions away (wgrad-probe and DirectWeightGradBenchmarks,
    /// 2026-12-07-cpu-conv-weight-grad-direct.md; direct ÷ GEMM, one thread): ResNet-20 stage 1 0.51 and
    /// stage 2 0.70 (kept share 0.94 / 0.89), ResNet18's stem 0.60 (0.91) and 16×16 layers 0.83 (0.89), the
    /// seed CNN's conv1 0.57 (0.92); on stride 1 it only tied at 0.80–0.84 (ResNet-20 stage 3, ResNet18's
    /// 8×8 layers, seed conv2: 0.91–1.07) and lost below (4×4 and 2×2 planes 2.2×, seed conv3 1.35×). Strided
    /// layers pay more on the GEMM side (their panels take the general packer), so there 0.75 is enough:
    /// ResNet-20's entries 0.66 (0.94) and 0.67 (0.80). 1×1 kernels keep the GEMM (unfolding a strided 1×1
    /// input costs as much as its few multiply-adds: 0.9–3.9×). Kept share: OH·OW over the positions computed.
    /// With the one-pass copies (2026-12-08-conv-weight-grad-blocking.md) stride-1 layers down to a kept share of
    /// 0.80 win too where each kernel call covers 32 vectors or more (several small images per call, so the
    /// lane sums are paid rarely): ResNet-20 stage 3 (8×8, 40 vectors) 0.80 at one thread and 0.71 at two,
    /// the seed CNN's conv2 (0.84, 54 vectors) 0.67 and 0.85; ResNet18's 8×8 layers (128 channels, so 4
    /// images per batch and 20 vectors per call) still lose (1.04). 1×1 kernels with a column stride of 2 win
    /// too now that their planes are filled by vector permutes (AVX-512), with the same two conditions:
    /// ResNet-20's shortcuts 0.66 and 0.47–0.72, ResNet18's 16×16 → 8×8 one 0.87; its 8×8 → 4×4 one (one vector
    /// per image, 8 per call) 1.42 and 4×4 → 2×2 (kept 0.25) 5.3 keep the GEMM; 1×1 stride 1 was not measured
    /// again and keeps it.</summary>
    public static bool PrefersDirect(in Conv2DGeometry g)
    {
        if (!DirectEnabled || !CpuDirectWeightGrad.IsSupported || !CpuDirectWeightGrad.Handles(g)) return false;
        var (lanes, filters) = Avx512DirectWeightGradKernel.IsSupported
            ? (Avx512DirectWeightGradKernel.Lanes, Avx512DirectWeightGradKernel.Filters)
            : (Avx2DirectWeightGradKernel.Lanes, Avx2DirectWeightGradKernel.Filters);
        var kept = CpuDirectWeightGrad.KeptShare(g, lanes);
        var longCalls = CpuDirectWeightGrad.VectorsPerCall(g, lanes, filters) >= 32;
        if (g.KH * g.KW == 1)
            return g.SW == 2 && Avx512DirectWeightGradKernel.IsSupported && kept >= 0.75 && longCalls;
        if (g.SH != 1 || g.SW != 1) return kept >= 0.75;
        return kept >= 0.85 || (kept >= 0.80 && longCalls);
    }

    /// <summary>Off sends every shape to the GEMM path (benchmarks measure both).</summary>
    internal static bool DirectEnabled { get; set; } = true;

    public static void Run(ReadOnlySpan<float> dyT, ReadOnlySpan<float> x, in Conv2DGeometry g, Span<float> dw)
    {
        if (PrefersDirect(g)) CpuDirectWeightGrad.Run(dyT, x, g, dw);
        else if (Avx512GemmKernel.IsSupported) Run<Avx512GemmKernel>(dyT, x, g, dw);
        else if (Avx2GemmKernel.IsSupported) Run<Avx2GemmKernel>(dyT, x, g, dw);
        else Run<ScalarGemmKernel>(dyT, x, g, dw);
    }

    /// <summary>Tests call each kernel the machine has.</summary>
    internal static void Run<TKernel>(ReadOnlySpan<float> dyT, ReadOnlySpan<float> x, in Conv2DGeometry g, Span<float> dw)
        where TKernel : struct, IGemmKernel
    {
        CpuConvGemm.RequirePlain(g, "conv kernel gradient from image");
        var (f, k) = (g.F, g.ColumnRows);
        var columns = g.N * g.OH * g.OW;
        if (dyT.Length < g.OutputSize || x.Length < g.InputSize || dw.Length < (long)f * k)
            throw new ArgumentException($"conv kernel gradient ({g}): dyT ≥ {g.OutputSize}, x ≥ {g.InputSize}, dw ≥ {(long)f * k} floats; " +
                $"received {dyT.Length}, {x.Length}, {dw.Length}.");
        if (f == 0 || k == 0 || columns == 0) return;

        var (mr, nr) = (TKernel.MR, TKernel.NR);
        // With few filter taps (K well under a tile's width, e.g. K = 9 in a first layer) dwᵀ = col · dyTᵀ
        // pads far less than dw = dyT · colᵀ. The choice depends on the shape only.
        var transposed = Padded(k, f, mr, nr) < Padded(f, k, mr, nr);
        var (m, n) = transposed ? (k, f) : (f, k);
        var (mPad, nPad) = (RoundUp(m, mr), RoundUp(n, nr));
        var chunks = (columns + ChunkColumns - 1) / ChunkColumns;
        var slices = Math.Min(Slices, chunks);
        var size = mPad * nPad;
        var partials = ArrayPool<float>.Shared.Rent(slices * size);
        try
        {
            fixed (float* pdy = dyT, px = x, pPartials = partials)
            {
                var job = new Job(pdy, new CpuConvGemm.ImageSource(px, g, (long)g.C * g.H * g.W, (long)g.H * g.W), pPartials,
                    f, k, columns, chunks, slices, transposed, mPad, nPad);
                if (slices > 1 && 2L * f * k * columns >= 2_000_000) CpuParallel.For(slices, job, static (j, t) => RunSlice<TKernel>(j, t));
                else for (var t = 0; t < slices; t++) RunSlice<TKernel>(job, t);
            }
            fixed (float* pPartials = partials, pdw = dw)
                AddSlices(pPartials, slices, size, f, k, nPad, transposed, pdw);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>dw += Σ_t partial_t, slices in order: per element partial_0 + partial_1 + … then one add into
    /// dw, the same operations whichever loop order or vector width walks them. Vectors along the
    /// accumulator's contiguous axis (q untransposed, r transposed) instead of a bounds-checked element loop
    /// with the transposed index (F·K elements per layer and step, up to 590 K on ResNet18's 256-channel layers);
    /// compiled optimized from the first step since it runs once per layer and step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddSlices(float* partials, int slices, int size, int f, int k, int nPad, bool transposed, float* dw)
    {
        var w = Vector<float>.Count;
        if (!transposed)
        {
            for (var r = 0; r < f; r++)
            {
                var row = partials + (long)r * nPad;
                var dwRow = dw + (long)r * k;
                var q = 0;
                for (; q <= k - w; q += w)
                {
                    var sum = Vector.Load(row + q);
                    for (var t = 1; t < slices; t++) sum += Vector.Load(row + (long)t * size + q);
                    Vector.Store(Vector.Load(dwRow + q) + sum, dwRow + q);
                }
                for (; q < k; q++)
                {
                    var sum = row[q];
                    for (var t = 1; t < slices; t++) sum += row[(long)t * size + q];
                    dwRow[q] += sum;
                }
            }
        }
        else
        {
            // Accumulator [K, F]: walk it row by row (q), dw column by column.
            for (var q = 0; q < k; q++)
            {
                var row = partials + (long)q * nPad;
                for (var r = 0; r < f; r++)
                {
                    var sum = row[r];
                    for (var t = 1; t < slices; t++) sum += row[(long)t * size + r];
                    dw[(long)r * k + q] += sum;
                }
            }
        }
    }

    private readonly struct Job(float* dyT, CpuConvGemm.ImageSource image, float* partials, int filters, int k, int columns, int chunks, int slices,
        bool transposed, int mPad, int nPad)
    {
        public readonly float* DyT = dyT, Partials = partials;
        public readonly CpuConvGemm.ImageSource Image = image;
        public readonly int Filters = filters, K = k, Columns = columns, Chunks = chunks, Slices = slices, MPad = mPad, NPad = nPad;
        public readonly bool Transposed = transposed;
    }

    /// <summary>Slice t: chunks [t·chunks/slices, (t+1)·chunks/slices) summed in order into accumulator t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunSlice<TKernel>(in Job job, int t) where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var scratch = GemmScratch.ForThisThread;
        var unfolded = scratch.Unfolded(job.K * ChunkColumns);
        var packedA = scratch.A(job.MPad * ChunkColumns);
        var packedB = scratch.B(job.NPad * ChunkColumns);
        var c = job.Partials + (long)t * job.MPad * job.NPad;
        var first = (int)((long)t * job.Chunks / job.Slices);
        var end = (int)((long)(t + 1) * job.Chunks / job.Slices);
        for (var chunk = first; chunk < end; chunk++)
        {
            var j0 = chunk * ChunkColumns;
            var kc = Math.Min(ChunkColumns, job.Columns - j0);
            // unfolded [K, kc] = col[:, j0 .. j0 + kc)
            ConvPanelUnfold.Pack(job.Image, j0, kc, kc, unfolded);
            if (job.Transposed)
            {
                GemmPacking.PackA<TKernel>(false, unfolded, job.K, kc, 0, job.K, 0, kc, 1f, packedA);
                GemmPacking.PackB<TKernel>(true, job.DyT, job.Filters, job.Columns, 0, job.Filters, j0, kc, packedB);
            }
            else
            {
                GemmPacking.PackA<TKernel>(false, job.DyT, job.Filters, job.Columns, 0, job.Filters, j0, kc, 1f, packedA);
                GemmPacking.PackB<TKernel>(true, unfolded, job.K, kc, 0, job.K, 0, kc, packedB);
            }
            var beta = chunk == first ? 0f : 1f;
            for (var jr = 0; jr < job.NPad; jr += nr)
                for (var ir = 0; ir < job.MPad; ir += mr)
                    TKernel.Run(kc, packedA + (long)ir * kc, packedB + (long)jr * kc, c + (long)ir * job.NPad + jr, job.NPad, beta);
        }
    }

    private static long Padded(int rows, int cols, int mr, int nr) => (long)RoundUp(rows, mr) * RoundUp(cols, nr);

    private static int RoundUp(int a, int multiple) => (a + multiple - 1) / multiple * multiple;
}
