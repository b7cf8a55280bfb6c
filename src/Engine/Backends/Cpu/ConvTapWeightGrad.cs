using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

/// <summary>A convolution's weight gradient on small planes as one GEMM per kernel tap over only the pairs
/// (output position, input position) that tap joins, so the padding's zeros are never multiplied (the
/// companion of <see cref="ConvTapGemm"/>): dW[f, c, tap] += Σ_(p, q) of tap Σ_b dz[b, f, p] · x[b, c, q].
/// Per tap, M = filters, N = channels and k = pairs · images: dz's rows (from the gradient rows dyT [F, N·P])
/// and x's columns are packed tap by tap into MR-row and NR-column panels once per call; each work item (one
/// MR-row panel of filters) runs every column panel and every tap through the micro-kernel into a tile per
/// tap, then adds the tiles into dW's rows with the taps interleaved ([F, C, KH, KW] keeps taps innermost).
/// Each dW value is its old value plus one micro-kernel sum, by one item, so the thread count never
/// changes a bit.</summary>
internal static unsafe class ConvTapWeightGrad
{
    /// <summary>dw [F, C, KH, KW] += the weight gradient from dyT [F, N·OH·OW] and x [N, C, H, W].</summary>
    public static void Run(ReadOnlySpan<float> dyT, ReadOnlySpan<float> x, in Conv2DGeometry g, Span<float> dw)
    {
        if (Avx512GemmKernel.IsSupported) Run<Avx512GemmKernel>(dyT, x, g, dw);
        else if (Avx2GemmKernel.IsSupported) Run<Avx2GemmKernel>(dyT, x, g, dw);
        else Run<ScalarGemmKernel>(dyT, x, g, dw);
    }

    internal static void Run<TKernel>(ReadOnlySpan<float> dyT, ReadOnlySpan<float> x, in Conv2DGeometry g, Span<float> dw)
        where TKernel : struct, IGemmKernel
    {
        CpuConvGemm.RequirePlain(g, "conv weight gradient by taps");
        var kt = g.KH * g.KW;
        if (dyT.Length < g.OutputSize || x.Length < g.InputSize || dw.Length < (long)g.F * g.C * kt)
            throw new ArgumentException($"conv weight gradient by taps ({g}): dyT ≥ {g.OutputSize}, x ≥ {g.InputSize}, dw ≥ {(long)g.F * g.C * kt} floats; " +
                $"received {dyT.Length}, {x.Length}, {dw.Length}.");
        var plan = ConvTapPlan.For(g, ConvTapPlan.Pass.Forward);
        var pairs = plan.TapPairStart[kt];
        if (g.F == 0 || g.C == 0 || g.N == 0 || pairs == 0) return;
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var (rowPanels, colPanels) = ((g.F + mr - 1) / mr, (g.C + nr - 1) / nr);
        var depth = pairs * g.N; // Σ over taps of k
        using var packedA = Tensor.Empty(Shape.Of(rowPanels * mr * depth));
        using var packedB = Tensor.Empty(Shape.Of(colPanels * nr * depth));
        fixed (float* pdy = dyT, px = x, pdw = dw)
        fixed (float* pa = packedA.Span<float>(), pb = packedB.Span<float>())
        {
            var job = new Job(plan, g, pdy, px, pdw, pa, pb, rowPanels, colPanels);
            if (2.0 * depth * rowPanels * mr * colPanels * nr >= 2_000_000)
            {
                CpuParallel.For(rowPanels, job, static (j, rp) => PackRows<TKernel>(j, rp));
                CpuParallel.For(colPanels, job, static (j, cp) => PackColumns<TKernel>(j, cp));
                CpuParallel.For(rowPanels, job, static (j, rp) => RunRows<TKernel>(j, rp));
            }
            else
            {
                for (var rp = 0; rp < rowPanels; rp++) PackRows<TKernel>(job, rp);
                for (var cp = 0; cp < colPanels; cp++) PackColumns<TKernel>(job, cp);
                for (var rp = 0; rp < rowPanels; rp++) RunRows<TKernel>(job, rp);
            }
        }
    }

    private readonly struct Job(ConvTapPlan plan, in Conv2DGeometry g, float* dyT, float* x, float* dw, float* packedA, float* packedB,
        int rowPanels, int colPanels)
    {
        public readonly ConvTapPlan Plan = plan;
        public readonly Conv2DGeometry G = g;
        public readonly float* DyT = dyT, X = x, Dw = dw, PackedA = packedA, PackedB = packedB;
        public readonly int RowPanels = rowPanels, ColPanels = colPanels;
    }

    /// <summary>Row panel rp of every tap: A_tap[rp][k][MR] at PackedA + RowPanels·MR·(first pair of tap)·N, with
    /// k = (pair, image), a[k·MR + r] = dz[image, rp·MR + r, output position of pair] (zero past the last filter).</summary>
    private static void PackRows<TKernel>(in Job job, int rp) where TKernel : struct, IGemmKernel
    {
        ref readonly var g = ref job.G;
        var pixels = g.OH * g.OW;
        PackPanel(job.Plan, g.KH * g.KW, g.N, job.PackedA, job.RowPanels, TKernel.MR, rp, g.F,
            job.DyT, (long)g.N * pixels, pixels, job.Plan.PairOut);
    }

    /// <summary>Column panel cp of every tap: B_tap[cp][k][NR], b[k·NR + j] = x[image, cp·NR + j, input position of
    /// pair] (zero past the last channel).</summary>
    private static void PackColumns<TKernel>(in Job job, int cp) where TKernel : struct, IGemmKernel
    {
        ref readonly var g = ref job.G;
        var plane = g.H * g.W;
        PackPanel(job.Plan, g.KH * g.KW, g.N, job.PackedB, job.ColPanels, TKernel.NR, cp, g.C,
            job.X, plane, (long)g.C * plane, job.Plan.PairSrc);
    }

    /// <summary>Panel <paramref name="panel"/> (width lines) of every tap's operand: for each tap's pairs e and images b,
    /// packed[(e, b)·width + r] = source[line·lineStride + b·imageStride + position[e]] with line = panel·width + r,
    /// zero for lines at or past <paramref name="lines"/>. Serves both operands: dz rows at output positions, x
    /// channels at input positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanel(ConvTapPlan plan, int taps, int images, float* packed, int panels, int width, int panel,
        int lines, float* source, long lineStride, long imageStride, int[] position)
    {
        for (var t = 0; t < taps; t++)
        {
            var (e0, e1) = (plan.TapPairStart[t], plan.TapPairStart[t + 1]);
            var k = (e1 - e0) * images;
            var dst = packed + (long)panels * width * e0 * images + (long)panel * k * width;
            for (var r = 0; r < width; r++)
            {
                var line = panel * width + r;
                for (var e = e0; e < e1; e++)
                {
                    var d = dst + (long)(e - e0) * images * width + r;
                    if (line >= lines) for (var b = 0; b < images; b++) d[b * width] = 0;
                    else
                    {
                        var src = source + line * lineStride + position[e];
                        for (var b = 0; b < images; b++) d[b * width] = src[b * imageStride];
                    }
                }
            }
        }
    }

    /// <summary>dw[r·rowStride + j·9 + t] += tiles[t·tapStride + r·nr + j] for r &lt; rows, j &lt; cols, t &lt; 9: taps 0..7 of
    /// 8 channels at a time through an 8×8 register transpose (each channel's 8 taps then one vector add), tap 8
    /// one by one. The same sums as the scalar loop, element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddNineTaps(float* tiles, int tapStride, int nr, float* dw, long rowStride, int rows, int cols)
    {
        var block = stackalloc float[64];
        for (var r = 0; r < rows; r++)
        {
            var dst = dw + r * rowStride;
            var src = tiles + r * nr;
            var j = 0;
            for (; j + 8 <= cols; j += 8)
            {
                Transpose8x8.Run(src + j, tapStride, block, 8); // block[q·8 + t] = tap t's value for channel j + q
                for (var q = 0; q < 8; q++)
                {
                    var d = dst + (j + q) * 9;
                    Vector256.Store(Vector256.Load(d) + Vector256.Load(block + q * 8), d);
                    d[8] += src[8 * tapStride + j + q];
                }
            }
            for (; j < cols; j++)
                for (var t = 0; t < 9; t++) dst[j * 9 + t] += src[t * tapStride + j];
        }
    }

    /// <summary>Filters rp·MR.. against every channel panel: one tile per tap, then added into dW with taps innermost.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRows<TKernel>(in Job job, int rp) where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        ref readonly var g = ref job.G;
        var plan = job.Plan;
        var (images, kt) = (g.N, g.KH * g.KW);
        var tiles = GemmScratch.ForThisThread.Tile(kt * mr * nr);
        var rows = Math.Min(mr, g.F - rp * mr);
        for (var cp = 0; cp < job.ColPanels; cp++)
        {
            for (var t = 0; t < kt; t++)
            {
                var (e0, e1) = (plan.TapPairStart[t], plan.TapPairStart[t + 1]);
                var k = (e1 - e0) * images;
                if (k == 0) continue;
                var a = job.PackedA + (long)job.RowPanels * mr * e0 * images + (long)rp * k * mr;
                var b = job.PackedB + (long)job.ColPanels * nr * e0 * images + (long)cp * k * nr;
                TKernel.Run(k, a, b, tiles + t * mr * nr, nr, 0f);
            }
            var cols = Math.Min(nr, g.C - cp * nr);
            if (kt == 9 && plan.EveryTapHasPairs && Transpose8x8.IsSupported)
            {
                AddNineTaps(tiles, mr * nr, nr, job.Dw + ((long)rp * mr * g.C + cp * nr) * kt, (long)g.C * kt, rows, cols);
                continue;
            }
            for (var r = 0; r < rows; r++)
            {
                var dst = job.Dw + ((long)(rp * mr + r) * g.C + cp * nr) * kt;
                var src = tiles + r * nr;
                for (var j = 0; j < cols; j++)
                    for (var t = 0; t < kt; t++)
                        if (plan.TapPairStart[t + 1] > plan.TapPairStart[t]) dst[j * kt + t] += src[t * mr * nr + j];
            }
        }
    }
}
