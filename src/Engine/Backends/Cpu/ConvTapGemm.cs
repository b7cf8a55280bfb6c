using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Tensors;

namespace Engine.Backends.Cpu;

/// <summary>Convolution forward and input gradient on small planes as per-tap GEMMs that skip the padding
/// exactly (issue 16, ResNet18's 4×4 and 2×2 layers). im2col multiplies every tap of every output, padding
/// zeros included: on a 2×2 plane a 3×3 'same' kernel has 4 of 9 taps inside the image (2.25× the useful
/// work), on 4×4 100 of 144. Here the outputs are grouped into classes that share their taps
/// (<see cref="ConvTapPlan"/>), and each class is a dense product over its taps only:
/// out[m, (position, image)] = Σ_tap Σ_k0 A_tap[m, k0] · src[image, k0, source position of (position, tap)],
/// with A_tap = W[:, :, i, j] (forward: m = filter, k0 = channel) or its transpose (input gradient:
/// m = channel, k0 = filter, src = dy). No k limit and no unfolded buffer, so the 512-channel layers
/// (k = 4608) need neither im2col + GEMM + transpose nor dcol + col2im.
///
/// Pieces: the weights are packed once per call for every tap (MR-row panels, [row panel][tap][k0][MR]);
/// the source is transposed once to [position][k0][image], so that a column panel of the class (a run of
/// images at one position) packs as contiguous copies, [tap][k0][NR]; the micro-kernel then runs over k0
/// once per tap, the first tap writing the tile and the others adding to it (taps ascending), and the tile
/// is stored to NCHW (bias and ReLU on the way for the forward; assigned or added for the gradient).
/// Every output value is one tile of one work item, summed in an order fixed by the shape, so results do
/// not depend on the thread count.</summary>
internal static unsafe class ConvTapGemm
{
    /// <summary>y [N, F, OH, OW] = act(conv(x, w) + bias) (bias may be empty). Undilated, one group.</summary>
    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y, bool relu)
    {
        if (Avx512GemmKernel.IsSupported) Forward<Avx512GemmKernel>(w, x, g, bias, y, relu);
        else if (Avx2GemmKernel.IsSupported) Forward<Avx2GemmKernel>(w, x, g, bias, y, relu);
        else Forward<ScalarGemmKernel>(w, x, g, bias, y, relu);
    }

    /// <summary>dx [N, C, H, W] (+)= the input gradient from the gradient rows dyT [F, N·OH·OW] (what
    /// ConvGradRows writes); overwritten when <paramref name="assign"/>.</summary>
    public static void InputGrad(ReadOnlySpan<float> w, ReadOnlySpan<float> dyT, in Conv2DGeometry g, Span<float> dx, bool assign)
    {
        if (Avx512GemmKernel.IsSupported) InputGrad<Avx512GemmKernel>(w, dyT, g, dx, assign);
        else if (Avx2GemmKernel.IsSupported) InputGrad<Avx2GemmKernel>(w, dyT, g, dx, assign);
        else InputGrad<ScalarGemmKernel>(w, dyT, g, dx, assign);
    }

    internal static void Forward<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y, bool relu)
        where TKernel : struct, IGemmKernel
    {
        CpuConvGemm.RequirePlain(g, "conv forward by taps");
        var kt = g.KH * g.KW;
        if (w.Length < (long)g.F * g.C * kt || x.Length < g.InputSize || y.Length < g.OutputSize || (bias.Length != 0 && bias.Length < g.F))
            throw new ArgumentException($"conv forward by taps ({g}): w ≥ {(long)g.F * g.C * kt}, x ≥ {g.InputSize}, y ≥ {g.OutputSize}, bias 0 or ≥ {g.F} floats; " +
                $"received {w.Length}, {x.Length}, {y.Length}, {bias.Length}.");
        var plan = ConvTapPlan.For(g, ConvTapPlan.Pass.Forward);
        var (hw, ohw) = (g.H * g.W, g.OH * g.OW);
        fixed (float* pw = w, px = x, py = y, pb = bias)
        {
            var job = new Job(plan, pw, weightRowStride: (long)g.C * kt, weightK0Stride: kt, g.F, g.C,
                px, srcImageStride: (long)g.C * hw, srcChannelStride: hw,
                py, outImageStride: (long)g.F * ohw, outChannelStride: ohw, bias.Length == 0 ? null : pb, relu, assign: true);
            Run<TKernel>(job);
        }
    }

    internal static void InputGrad<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> dyT, in Conv2DGeometry g, Span<float> dx, bool assign)
        where TKernel : struct, IGemmKernel
    {
        CpuConvGemm.RequirePlain(g, "conv input gradient by taps");
        var kt = g.KH * g.KW;
        if (w.Length < (long)g.F * g.C * kt || dyT.Length < g.OutputSize || dx.Length < g.InputSize)
            throw new ArgumentException($"conv input gradient by taps ({g}): w ≥ {(long)g.F * g.C * kt}, dyT ≥ {g.OutputSize}, dx ≥ {g.InputSize} floats; " +
                $"received {w.Length}, {dyT.Length}, {dx.Length}.");
        var plan = ConvTapPlan.For(g, ConvTapPlan.Pass.InputGrad);
        var (hw, ohw) = (g.H * g.W, g.OH * g.OW);
        fixed (float* pw = w, pdy = dyT, pdx = dx)
        {
            // dyT [F, N, OH·OW]: image b's filter f plane at f·N·P + b·P.
            var job = new Job(plan, pw, weightRowStride: kt, weightK0Stride: (long)g.C * kt, g.C, g.F,
                pdy, srcImageStride: ohw, srcChannelStride: (long)g.N * ohw,
                pdx, outImageStride: (long)g.C * hw, outChannelStride: hw, null, relu: false, assign);
            Run<TKernel>(job);
        }
    }

    /// <summary>One pass: A_tap[m, k0] = Weights[m·WeightRowStride + k0·WeightK0Stride + tap] (M rows, K0 deep);
    /// the source element (image, k0, position) at Src[image·SrcImageStride + k0·SrcChannelStride + position];
    /// the output element (image, m, position) at Out[image·OutImageStride + m·OutChannelStride + position].</summary>
    private readonly struct Job(ConvTapPlan plan, float* weights, long weightRowStride, long weightK0Stride, int m, int k0,
        float* src, long srcImageStride, long srcChannelStride,
        float* output, long outImageStride, long outChannelStride, float* bias, bool relu, bool assign)
    {
        public readonly ConvTapPlan Plan = plan;
        public readonly float* Weights = weights, Src = src, Out = output, Bias = bias;
        public readonly long WeightRowStride = weightRowStride, WeightK0Stride = weightK0Stride, SrcImageStride = srcImageStride,
            SrcChannelStride = srcChannelStride, OutImageStride = outImageStride, OutChannelStride = outChannelStride;
        public readonly int M = m, K0 = k0;
        public readonly bool Relu = relu, Assign = assign;
    }

    /// <summary>The buffers of one call and how its work is cut: one item = one chunk of row panels, whose
    /// weights the item packs into its thread's scratch (so they are still in cache when used) and then
    /// multiplies by every column panel.</summary>
    private readonly struct Work(Job job, float* srcT, float* packedB, ConvTapPanels panels, int rowPanelsPerItem)
    {
        public readonly Job Job = job;
        public readonly float* SrcT = srcT, PackedB = packedB;
        public readonly ConvTapPanels Panels = panels;
        public readonly int RowPanelsPerItem = rowPanelsPerItem;
    }

    /// <summary>Items wanted at least: a few per core, so an uneven last one does not leave a core idle.</summary>
    private const int MinItems = 8;

    /// <summary>Packed weights per item at most (bytes): a chunk stays in L2 while every column panel passes.</summary>
    private const int ChunkBytes = 512 << 10;

    private static void Run<TKernel>(in Job job) where TKernel : struct, IGemmKernel
    {
        var plan = job.Plan;
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var kt = plan.KH * plan.KW;
        var images = plan.Images;
        FillTapless(job);
        if (job.M == 0 || images == 0) return;
        var panels = ConvTapPanels.For(plan, nr);
        if (panels.Count == 0) return;
        var rowPanels = (job.M + mr - 1) / mr;
        // Row panels per item: as many as fit ChunkBytes, but no fewer than MinItems items (shape only, never the core count).
        var perItem = Math.Clamp(Math.Min(ChunkBytes / (kt * job.K0 * mr * sizeof(float)), rowPanels / MinItems), 1, rowPanels);
        var items = (rowPanels + perItem - 1) / perItem;

        using var srcT = Tensor.Empty(Shape.Of(Math.Max(1, plan.SrcH * plan.SrcW * job.K0 * images)));
        using var packedB = Tensor.Empty(Shape.Of((int)Math.Max(1, panels.TapPanels * job.K0 * nr)));
        fixed (float* ps = srcT.Span<float>(), pb = packedB.Span<float>())
        {
            var work = new Work(job, ps, pb, panels, perItem);
            var flops = 2.0 * panels.TapPanels * job.K0 * nr * rowPanels * mr;
            if (flops >= 2_000_000)
            {
                CpuParallel.For(SourceParts(job.K0), work, static (w, part) => TransposeSource(w, part));
                CpuParallel.For(panels.Count, work, static (w, p) => PackPanel<TKernel>(w, p));
                CpuParallel.For(items, work, static (w, item) => RunItem<TKernel>(w, item));
            }
            else
            {
                for (var part = 0; part < SourceParts(job.K0); part++) TransposeSource(work, part);
                for (var p = 0; p < panels.Count; p++) PackPanel<TKernel>(work, p);
                for (var item = 0; item < items; item++) RunItem<TKernel>(work, item);
            }
        }
    }

    /// <summary>Parts the source transposition is cut into (channel ranges of <see cref="ChannelsPerPart"/>).</summary>
    private static int SourceParts(int k0) => (k0 + ChannelsPerPart - 1) / ChannelsPerPart;

    private const int ChannelsPerPart = 32;

    /// <summary>packedA[((rp·KT + tap)·K0 + k0)·MR + r] = A_tap[rp·MR + r, k0], zero past the last row. Channel by
    /// channel, so each step fills whole MR-float pieces of the KT tap slices while the rows' reads move forward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackWeights<TKernel>(in Job job, int rp, float* panel) where TKernel : struct, IGemmKernel
    {
        var mr = TKernel.MR;
        var kt = job.Plan.KH * job.Plan.KW;
        var k0s = job.K0;
        var rows = Math.Min(mr, job.M - rp * mr);
        var tapStride = (long)k0s * mr;
        var first = job.Weights + (long)rp * mr * job.WeightRowStride;
        if (mr == 8 && rows == 8 && Transpose8x8.IsSupported)
        {
            if (job.WeightK0Stride == kt) { PackRowsContiguous(first, job.WeightRowStride, kt * k0s, kt, k0s, panel); return; }
            if (job.WeightRowStride == kt && kt >= 8) { PackTapsContiguous(first, job.WeightK0Stride, kt, k0s, panel); return; }
        }
        for (var k0 = 0; k0 < k0s; k0++)
        {
            var dst = panel + (long)k0 * mr;
            var src = first + k0 * job.WeightK0Stride;
            for (var r = 0; r < rows; r++)
            {
                var taps = src + r * job.WeightRowStride;
                for (var t = 0; t < kt; t++) dst[t * tapStride + r] = taps[t];
            }
            for (var r = rows; r < mr; r++)
                for (var t = 0; t < kt; t++) dst[t * tapStride + r] = 0;
        }
    }

    /// <summary>The forward's weights (row m = filter, its (k0, tap) values contiguous): 8×8 blocks through
    /// registers, each transposed column (the 8 rows' value at one (k0, tap)) stored whole to its tap slice.</summary>
    private static void PackRowsContiguous(float* first, long rowStride, int length, int kt, int k0s, float* panel)
    {
        var block = stackalloc float[64];
        var tapStride = (long)k0s * 8;
        var (k0, t) = (0, 0);
        var p = 0;
        for (; p + 8 <= length; p += 8)
        {
            Transpose8x8.Run(first + p, rowStride, block, 8);
            for (var q = 0; q < 8; q++)
            {
                Vector256.Store(Vector256.Load(block + q * 8), panel + t * tapStride + k0 * 8);
                if (++t == kt) (t, k0) = (0, k0 + 1);
            }
        }
        for (; p < length; p++)
        {
            for (var r = 0; r < 8; r++) panel[t * tapStride + k0 * 8 + r] = first[r * rowStride + p];
            if (++t == kt) (t, k0) = (0, k0 + 1);
        }
    }

    /// <summary>The input gradient's weights (row m = channel: the 8 rows' taps of one filter k0 are 8·KT
    /// contiguous values): taps 0..7 transposed through registers, the rest moved one by one.</summary>
    private static void PackTapsContiguous(float* first, long k0Stride, int kt, int k0s, float* panel)
    {
        var block = stackalloc float[64];
        var tapStride = (long)k0s * 8;
        for (var k0 = 0; k0 < k0s; k0++)
        {
            var src = first + k0 * k0Stride;
            var dst = panel + k0 * 8;
            Transpose8x8.Run(src, kt, block, 8);
            for (var t = 0; t < 8; t++) Vector256.Store(Vector256.Load(block + t * 8), dst + t * tapStride);
            for (var t = 8; t < kt; t++)
                for (var r = 0; r < 8; r++) dst[t * tapStride + r] = src[r * kt + t];
        }
    }

    /// <summary>SrcT[(position·K0 + k0)·N + image] = source (image, k0, position), for one range of channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeSource(in Work work, int part)
    {
        ref readonly var job = ref work.Job;
        var plan = job.Plan;
        var (positions, images, k0s) = (plan.SrcH * plan.SrcW, plan.Images, job.K0);
        var k1 = Math.Min(k0s, (part + 1) * ChannelsPerPart);
        for (var k0 = part * ChannelsPerPart; k0 < k1; k0++)
            for (var b = 0; b < images; b++)
            {
                var src = job.Src + b * job.SrcImageStride + k0 * job.SrcChannelStride;
                var dst = work.SrcT + (long)k0 * images + b;
                for (var q = 0; q < positions; q++) dst[(long)q * k0s * images] = src[q];
            }
    }

    /// <summary>Column panel p of its class: packedB[offset + ((u·K0 + k0)·NR + c)] = source (image of column c,
    /// k0, source position of (position of column c, tap u)), zero for c ≥ the panel's width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanel<TKernel>(in Work work, int p) where TKernel : struct, IGemmKernel
    {
        ref readonly var job = ref work.Job;
        var nr = TKernel.NR;
        var panel = work.Panels[p];
        var cls = job.Plan.Classes[panel.Class];
        var (taps, images, k0s) = (cls.Taps.Length, job.Plan.Images, job.K0);
        var dst = work.PackedB + panel.TapPanelOffset * k0s * nr;
        for (var c = 0; c < panel.Width;)
        {
            var column = panel.First + c;
            var (pi, b) = Math.DivRem(column, images);
            var run = Math.Min(images - b, panel.Width - c); // images b.. at one position
            for (var u = 0; u < taps; u++)
            {
                var src = work.SrcT + (long)cls.SrcOf[pi * taps + u] * k0s * images + b;
                var d = dst + (long)u * k0s * nr + c;
                for (var k0 = 0; k0 < k0s; k0++)
                    Unsafe.CopyBlockUnaligned(d + (long)k0 * nr, src + (long)k0 * images, (uint)(run * sizeof(float)));
            }
            c += run;
        }
        if (panel.Width < nr)
            for (long row = 0; row < (long)taps * k0s; row++)
                new Span<float>(dst + row * nr + panel.Width, nr - panel.Width).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunItem<TKernel>(in Work work, int item) where TKernel : struct, IGemmKernel
    {
        ref readonly var job = ref work.Job;
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var kt = job.Plan.KH * job.Plan.KW;
        var k0s = job.K0;
        var panelSize = (long)kt * k0s * mr;
        var rp0 = item * work.RowPanelsPerItem;
        var count = Math.Min(work.RowPanelsPerItem, (job.M + mr - 1) / mr - rp0);
        var scratch = GemmScratch.ForThisThread;
        var packedA = scratch.A((int)(count * panelSize));
        var tile = scratch.Tile(mr * nr);
        for (var i = 0; i < count; i++) PackWeights<TKernel>(job, rp0 + i, packedA + i * panelSize);
        var panels = work.Panels;
        for (var p = 0; p < panels.Count; p++)
        {
            var panel = panels[p];
            var cls = job.Plan.Classes[panel.Class];
            var packedB = work.PackedB + panel.TapPanelOffset * k0s * nr;
            for (var i = 0; i < count; i++)
            {
                var a = packedA + i * panelSize;
                for (var u = 0; u < cls.Taps.Length; u++)
                    TKernel.Run(k0s, a + (long)cls.Taps[u] * k0s * mr, packedB + (long)u * k0s * nr, tile, nr, u == 0 ? 0f : 1f);
                var m0 = (rp0 + i) * mr;
                Store(job, tile, nr, m0, Math.Min(mr, job.M - m0), cls, panel);
            }
        }
    }

    /// <summary>Writes the tile's rows m0.. (rows valid) and the panel's columns to the NCHW output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(in Job job, float* tile, int nr, int m0, int rows, ConvTapPlan.Class cls, ConvTapPanels.Panel panel)
    {
        var images = job.Plan.Images;
        for (var c = 0; c < panel.Width;)
        {
            var (pi, b) = Math.DivRem(panel.First + c, images);
            var run = Math.Min(images - b, panel.Width - c);
            var position = cls.Positions[pi];
            for (var r = 0; r < rows; r++)
            {
                var m = m0 + r;
                var src = tile + r * nr + c;
                var dst = job.Out + b * job.OutImageStride + m * job.OutChannelStride + position;
                if (job.Assign)
                {
                    var shift = job.Bias == null ? 0f : job.Bias[m];
                    for (var i = 0; i < run; i++)
                    {
                        var v = src[i] + shift;
                        dst[i * job.OutImageStride] = job.Relu && v <= 0 ? 0 : v;
                    }
                }
                else
                    for (var i = 0; i < run; i++) dst[i * job.OutImageStride] += src[i];
            }
            c += run;
        }
    }

    /// <summary>Positions no tap reaches (a 1×1 stride-2 kernel's odd rows in the input gradient; padding wider
    /// than the kernel's reach in the forward) get act(0 + bias) when assigned; adding zero is left out.</summary>
    private static void FillTapless(in Job job)
    {
        if (!job.Assign) return;
        foreach (var cls in job.Plan.Classes)
        {
            if (cls.Taps.Length != 0) continue;
            for (var b = 0; b < job.Plan.Images; b++)
                for (var m = 0; m < job.M; m++)
                {
                    var v = job.Bias == null ? 0f : job.Bias[m];
                    if (job.Relu && v <= 0) v = 0;
                    foreach (var position in cls.Positions) job.Out[b * job.OutImageStride + m * job.OutChannelStride + position] = v;
                }
        }
    }
}
