using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>The forward GEMM of a convolution with its output pass fused in:
/// y[b, f, p] = act(Σ_k w[f, k]·col[k, b·P + p] + bias[f]), written straight into NCHW.
///
/// The filters (A) are packed once per call and reused by every column panel; each NR-wide panel of
/// col (B) is packed once and multiplied by every MR-row panel of A over the whole of k (convolution
/// k = C·KH·KW is small), so each finished tile leaves the registers once, through a small buffer,
/// with bias and ReLU applied on the way to its NCHW place (no transpose, bias or ReLU passes).
/// Column panels are spread over the cores; every output element is computed by one thread with the
/// same operation order whatever the split, so the result does not depend on the thread count.</summary>
internal static unsafe class CpuConvGemm
{
    /// <summary>Longest k handled in one pass (a packed B panel of k·NR floats stays in L2).</summary>
    public const int MaxK = 4096;

    /// <summary>Column panels per parallel work item: enough work to amortize a claim.</summary>
    private const int PanelsPerItem = 4;

    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> col, ReadOnlySpan<float> bias, Span<float> y,
        int filters, int k, int images, int pixels, bool relu)
    {
        if (Avx512GemmKernel.IsSupported) Forward<Avx512GemmKernel>(w, col, bias, y, filters, k, images, pixels, relu);
        else if (Avx2GemmKernel.IsSupported) Forward<Avx2GemmKernel>(w, col, bias, y, filters, k, images, pixels, relu);
        else Forward<ScalarGemmKernel>(w, col, bias, y, filters, k, images, pixels, relu);
    }

    /// <summary>bias may be empty (no bias). Tests call each kernel the machine has.</summary>
    internal static void Forward<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> col, ReadOnlySpan<float> bias, Span<float> y,
        int filters, int k, int images, int pixels, bool relu) where TKernel : struct, IGemmKernel
    {
        var columns = images * pixels;
        if (k < 1 || k > MaxK || w.Length < (long)filters * k || col.Length < (long)k * columns || y.Length < (long)filters * columns
            || (bias.Length != 0 && bias.Length < filters))
            throw new ArgumentException($"conv forward GEMM {filters}x{columns}x{k} (k ≤ {MaxK}): w ≥ {(long)filters * k}, col ≥ {(long)k * columns}, " +
                $"y ≥ {(long)filters * columns}, bias 0 or ≥ {filters}; received {w.Length}, {col.Length}, {y.Length}, {bias.Length}.");
        if (filters == 0 || columns == 0) return;

        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var rowPanels = (filters + mr - 1) / mr;
        var packedSize = rowPanels * mr * k;
        var packed = ArrayPool<float>.Shared.Rent(packedSize);
        try
        {
            fixed (float* pw = w, pcol = col, pbias = bias, py = y, pa = packed)
            {
                GemmPacking.PackA<TKernel>(false, pw, filters, k, 0, filters, 0, k, 1f, pa);
                var job = new Job(pa, pcol, bias.Length == 0 ? null : pbias, py, filters, k, pixels, columns, relu);
                var panels = (columns + nr - 1) / nr;
                var items = (panels + PanelsPerItem - 1) / PanelsPerItem;
                var work = 2L * filters * k * columns;
                if (items > 1 && work >= 2_000_000) CpuParallel.For(items, item => RunPanels<TKernel>(job, item));
                else for (var item = 0; item < items; item++) RunPanels<TKernel>(job, item);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    private readonly struct Job(float* packedW, float* col, float* bias, float* y, int filters, int k, int pixels, int columns, bool relu)
    {
        public readonly float* PackedW = packedW, Col = col, Bias = bias, Y = y;
        public readonly int Filters = filters, K = k, Pixels = pixels, Columns = columns;
        public readonly bool Relu = relu;
    }

    private static void RunPanels<TKernel>(in Job job, int item) where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var scratch = GemmScratch.ForThisThread;
        var packedB = scratch.B(job.K * nr);
        var tile = scratch.Tile(mr * nr);
        var first = item * PanelsPerItem * nr;
        var last = Math.Min(job.Columns, first + PanelsPerItem * nr);
        for (var j0 = first; j0 < last; j0 += nr)
        {
            var nc = Math.Min(nr, job.Columns - j0);
            GemmPacking.PackB<TKernel>(false, job.Col, job.Columns, job.K, j0, nc, 0, job.K, packedB);
            for (var i0 = 0; i0 < job.Filters; i0 += mr)
            {
                TKernel.Run(job.K, job.PackedW + (long)i0 * job.K, packedB, tile, nr, 0f);
                var rows = Math.Min(mr, job.Filters - i0);
                for (var r = 0; r < rows; r++) StoreRow(job, tile + r * nr, i0 + r, j0, nc);
            }
        }
    }

    /// <summary>Writes nc finished values of filter f, columns j0.. (which may span images), to NCHW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(in Job job, float* values, int f, int j0, int nc)
    {
        var shift = job.Bias == null ? 0f : job.Bias[f];
        var (image, pixel) = (j0 / job.Pixels, j0 % job.Pixels);
        for (var j = 0; j < nc;)
        {
            var run = Math.Min(nc - j, job.Pixels - pixel);
            var dst = job.Y + ((long)image * job.Filters + f) * job.Pixels + pixel;
            StoreRun(values + j, dst, run, shift, job.Relu);
            j += run;
            (image, pixel) = (image + 1, 0);
        }
    }

    /// <summary>dst[i] = src[i] + shift, then ReLU when relu exactly as SimdFloat.Relu (v ≤ 0 → 0; NaN stays NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRun(float* src, float* dst, int n, float shift, bool relu)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(shift);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Load(src + i) + s;
                if (relu) v = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.Zero, v);
                v.Store(dst + i);
            }
        }
        for (; i < n; i++)
        {
            var v = src[i] + shift;
            dst[i] = relu && v <= 0 ? 0 : v;
        }
    }
}
