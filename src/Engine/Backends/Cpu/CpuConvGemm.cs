using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>The forward GEMM of a convolution with its output pass fused in:
/// y[b, f, p] = act(Σ_k w[f, k]·col[k, b·P + p] + bias[f]), written straight into NCHW.
///
/// The filters (A) are packed once per call and reused by every column panel; each NR-wide panel of
/// col (B) is packed once (from an image: by ConvPanelUnfold, bitwise what PackFromImage writes) and multiplied by every MR-row panel of A over the whole of k (convolution
/// k = C·KH·KW is small), so each finished tile leaves the registers once, through a small buffer,
/// with bias and ReLU applied on the way to its NCHW place (no transpose, bias or ReLU passes).
/// Column panels (and, with few columns, filter row panels: <see cref="ConvPanelWork"/>) are spread over the
/// cores; every output element is computed by one thread with the
/// same operation order whatever the split, so the result does not depend on the thread count.
/// A convolution's input gradient (<see cref="InputGrad"/>) runs as transposed convolutions in
/// CpuConvInputGrad, with its own panel loop and packer.</summary>
internal static unsafe class CpuConvGemm
{
    /// <summary>Longest k handled in one pass (a packed B panel of k·NR floats stays in L2). Raised to 8192, this
    /// loop lost 1.3–1.5× to explicit im2col + CpuGemm on ResNet18's 512-channel 2×2 layer (k = 4608, 128
    /// columns: each column panel streams all of the 9 MB packed filters; ConvSmallPlaneBenchmarks), so
    /// layers above it keep the composite forward (their backward still takes the fused passes).</summary>
    public const int MaxK = 4096;

    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> col, ReadOnlySpan<float> bias, Span<float> y,
        int filters, int k, int images, int pixels, bool relu)
    {
        if (Avx512GemmKernel.IsSupported) Forward<Avx512GemmKernel>(w, col, bias, y, filters, k, images, pixels, relu);
        else if (Avx2GemmKernel.IsSupported) Forward<Avx2GemmKernel>(w, col, bias, y, filters, k, images, pixels, relu);
        else Forward<ScalarGemmKernel>(w, col, bias, y, filters, k, images, pixels, relu);
    }

    /// <summary>The same product with col never materialised: each column panel is unfolded from the NCHW
    /// input x straight into the packed B buffer (implicit im2col), exactly the values im2col and the
    /// packing would put there, so y is bitwise what <see cref="Forward"/> on im2col(x) gives.
    /// <paramref name="g"/> must be undilated with one group; its F is ignored (filters is).</summary>
    public static void ForwardFromImage(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y,
        int filters, bool relu)
    {
        if (Avx512GemmKernel.IsSupported) ForwardFromImage<Avx512GemmKernel>(w, x, g, bias, y, filters, relu);
        else if (Avx2GemmKernel.IsSupported) ForwardFromImage<Avx2GemmKernel>(w, x, g, bias, y, filters, relu);
        else ForwardFromImage<ScalarGemmKernel>(w, x, g, bias, y, filters, relu);
    }

    internal static void ForwardFromImage<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y,
        int filters, bool relu) where TKernel : struct, IGemmKernel
    {
        RequirePlain(g, "conv forward from image");
        if (x.Length < g.InputSize)
            throw new ArgumentException($"conv forward from image: x must hold {g.InputSize} floats ({g}); received {x.Length}.");
        fixed (float* px = x)
        {
            var image = new ImageSource(px, g, (long)g.C * g.H * g.W, (long)g.H * g.W);
            Run<TKernel>(w, default, &image, bias, y, filters, g.ColumnRows, g.N, g.OH * g.OW, relu);
        }
    }

    /// <summary>The input gradient of a convolution as transposed convolutions (one per stride phase, see
    /// <see cref="CpuConvInputGrad"/>), with no unfolded gradient (dcol) and no col2im:
    /// dx[b, c, y, x] (+)= Σ_f Σ_i Σ_j w[f, c, i, j]·dz[b, f, (y + PH − i)/SH, (x + PW − j)/SW] (exact divisions).
    /// dz comes as the gradient rows dyT [F, N·OH·OW] (what ConvGradRows writes); dx is overwritten when
    /// <paramref name="assign"/>, added to otherwise. The sum over (f, i, j) for one dx element is one GEMM
    /// dot product, a different order from GEMM-then-col2im, so the bits differ from that composite.</summary>
    public static void InputGrad(ReadOnlySpan<float> w, ReadOnlySpan<float> dyT, in Conv2DGeometry g, Span<float> dx, bool assign)
    {
        if (PrefersDirectInputGrad(g)) CpuDirectConv.InputGrad(w, dyT, g, dx, assign);
        else if (Avx512GemmKernel.IsSupported) InputGrad<Avx512GemmKernel>(w, dyT, g, dx, assign);
        else if (Avx2GemmKernel.IsSupported) InputGrad<Avx2GemmKernel>(w, dyT, g, dx, assign);
        else InputGrad<ScalarGemmKernel>(w, dyT, g, dx, assign);
    }

    /// <summary>Whether a stride-1 input gradient runs on CpuDirectConv (bitwise the same dx as the AVX-512
    /// GEMM path, the same FMA chain) rather than the transposed-convolution GEMM: ConvBackwardBenchmarks'
    /// InputGradDirect was 2.6× faster on 32-wide rows (ResNet-20 stage 1) and lost 1.4× on 8-wide ones;
    /// on 16-wide rows it won at W4's and W5's batches (ResNet-20 stage 2 at batch 128 0.67×, ResNet18
    /// layer1 at batch 32 0.75×; ConvForwardDxBenchmarks, fwd-ab). So it takes rows of 16 or more where
    /// CpuDirectConv itself would take the transposed convolution's geometry.</summary>
    internal static bool PrefersDirectInputGrad(in Conv2DGeometry g) =>
        g.SH == 1 && g.SW == 1 && g.W >= MinRowForDirectInputGrad && HasInputGrad(g) && CpuDirectConv.Prefers(new Conv2DGeometry
        {
            N = g.N, C = g.F, F = g.C, Groups = 1, H = g.OH, W = g.OW, KH = g.KH, KW = g.KW, SH = 1, SW = 1,
            PH = g.KH - 1 - g.PH, PW = g.KW - 1 - g.PW, DH = 1, DW = 1, OH = g.H, OW = g.W,
        });

    /// <summary>Shortest dx row for which the direct kernel beat the GEMM (32 and 16 measured wins, 8 a loss).</summary>
    internal const int MinRowForDirectInputGrad = 16;

    /// <summary>Whether <see cref="InputGrad"/> can run this geometry: no dilation, one group, and each
    /// phase's unfolded rows (F·⌈KH/SH⌉·⌈KW/SW⌉) within CpuConvInputGrad.MaxK.</summary>
    public static bool HasInputGrad(in Conv2DGeometry g) =>
        !g.Dilated && g.Groups == 1 && CpuConvInputGrad.LargestK(g) <= CpuConvInputGrad.MaxK;

    /// <summary>Whether <see cref="InputGrad"/> is the faster way here (ConvBackwardBenchmarks,
    /// ConvStridedInputGradBenchmarks): it runs over every input pixel, so with 'valid' padding on a small
    /// image (the seed CNN's 13×13 → 11×11, 5×5 → 3×3) it does up to H·W/(OH·OW·SH·SW) times the
    /// multiply-adds of GEMM + col2im and loses there. On 'same' stride-1 layers it won on all three
    /// ResNet-20 stages (32-, 16- and 8-wide rows) once its panels were unfolded by ConvPanelUnfold.
    /// Strided: the 3×3 stride-2 entry with 16-wide phase rows won (−9%), 8-wide ones tied, and 1×1
    /// stride-2 shortcuts lost 2–3.5× (three of their four phases are only zeros to write, and one
    /// tap per channel is too little work per packed panel), so those keep GEMM + col2im.</summary>
    public static bool PrefersInputGrad(in Conv2DGeometry g) =>
        HasInputGrad(g) && 8L * g.H * g.W <= 9L * g.OH * g.OW * g.SH * g.SW
        && (g.SH == 1 && g.SW == 1
            ? g.OW >= MinRowForInputGrad
            : g.KH >= g.SH && g.KW >= g.SW && g.OW >= MinRowForStridedInputGrad);

    /// <summary>Shortest output row for which the transposed convolution beats GEMM + col2im (8: the
    /// shortest measured win; ResNet18's 4-wide rows tied (0.87–1.10× over three interleaved runs,
    /// ConvSmallPlaneBenchmarks) and its 2-wide ones lost 2.5×).</summary>
    internal const int MinRowForInputGrad = 8;

    /// <summary>The same for strided convolutions (the polyphase split): 16 won, 8 tied.</summary>
    internal const int MinRowForStridedInputGrad = 16;

    internal static void InputGrad<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> dyT, in Conv2DGeometry g, Span<float> dx, bool assign)
        where TKernel : struct, IGemmKernel
    {
        if (!HasInputGrad(g))
            throw new ArgumentException($"conv input gradient as transposed convolutions needs no dilation, one group and F·⌈KH/SH⌉·⌈KW/SW⌉ ≤ {CpuConvInputGrad.MaxK}; received {g}.");
        if (w.Length < (long)g.F * g.ColumnRows || dyT.Length < g.OutputSize || dx.Length < g.InputSize)
            throw new ArgumentException($"conv input gradient ({g}): w ≥ {(long)g.F * g.ColumnRows}, dyT ≥ {g.OutputSize}, dx ≥ {g.InputSize} floats; " +
                $"received {w.Length}, {dyT.Length}, {dx.Length}.");
        CpuConvInputGrad.Run<TKernel>(w, dyT, g, dx, assign);
    }

    /// <summary>The geometries the implicit unfolding handles: no dilation, one group.</summary>
    internal static void RequirePlain(in Conv2DGeometry g, string what)
    {
        if (g.Dilated || g.Groups != 1)
            throw new ArgumentException($"{what}: needs an undilated convolution with one group; received {g}.");
    }

    /// <summary>bias may be empty (no bias). Tests call each kernel the machine has.</summary>
    internal static void Forward<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> col, ReadOnlySpan<float> bias, Span<float> y,
        int filters, int k, int images, int pixels, bool relu) where TKernel : struct, IGemmKernel =>
        Run<TKernel>(w, col, null, bias, y, filters, k, images, pixels, relu);

    /// <summary>The product from col, or (col empty, image set) from an image.</summary>
    private static void Run<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> col, ImageSource* image, ReadOnlySpan<float> bias, Span<float> y,
        int filters, int k, int images, int pixels, bool relu) where TKernel : struct, IGemmKernel
    {
        var columns = images * pixels;
        if (k < 1 || k > MaxK || w.Length < (long)filters * k || (image == null && col.Length < (long)k * columns) || y.Length < (long)filters * columns
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
                var split = new ConvPanelWork(columns, nr, filters, mr);
                var job = new Job(pa, pcol, image, bias.Length == 0 ? null : pbias, py, filters, k, pixels, columns, relu, split);
                var items = split.Items;
                var work = 2L * filters * k * columns;
                if (items > 1 && work >= 2_000_000) CpuParallel.For(items, job, static (j, item) => RunPanels<TKernel>(j, item));
                else for (var item = 0; item < items; item++) RunPanels<TKernel>(job, item);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    private readonly struct Job(float* packedW, float* col, ImageSource* image, float* bias, float* y, int filters, int k, int pixels, int columns,
        bool relu, ConvPanelWork split)
    {
        public readonly float* PackedW = packedW, Col = col, Bias = bias, Y = y;
        public readonly ImageSource* Image = image;
        public readonly int Filters = filters, K = k, Pixels = pixels, Columns = columns;
        public readonly bool Relu = relu;
        public readonly ConvPanelWork Split = split;
    }

    /// <summary>Where implicit im2col reads from: a convolution geometry's input at X, image b's channel c
    /// starting at b·ImageStride + c·ChannelStride (NCHW: C·H·W and H·W), each channel an H×W plane.</summary>
    internal readonly struct ImageSource(float* x, in Conv2DGeometry g, long imageStride, long channelStride)
    {
        public readonly float* X = x;
        public readonly Conv2DGeometry G = g;
        public readonly long ImageStride = imageStride, ChannelStride = channelStride;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPanels<TKernel>(in Job job, int item) where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var scratch = GemmScratch.ForThisThread;
        var packedB = scratch.B(job.K * nr);
        var tile = scratch.Tile(mr * nr);
        var (first, last, rowFirst, rowEnd) = job.Split.Item(item);
        for (var j0 = first; j0 < last; j0 += nr)
        {
            var nc = Math.Min(nr, job.Columns - j0);
            if (job.Image != null) ConvPanelUnfold.Pack(*job.Image, j0, nc, nr, packedB); // the same values as PackFromImage
            else GemmPacking.PackB<TKernel>(false, job.Col, job.Columns, job.K, j0, nc, 0, job.K, packedB);
            for (var i0 = rowFirst; i0 < rowEnd; i0 += mr)
            {
                TKernel.Run(job.K, job.PackedW + (long)i0 * job.K, packedB, tile, nr, 0f);
                var rows = Math.Min(mr, job.Filters - i0);
                for (var r = 0; r < rows; r++) StoreRow(job, tile + r * nr, i0 + r, j0, nc);
            }
        }
    }

    /// <summary>One stretch of a column panel along one output row: columns [At, At + Length) of the
    /// panel are output pixels (Oy, Ox..) of image Image.</summary>
    private readonly record struct RowRun(int At, int Image, int Oy, int Ox, int Length);

    /// <summary>dst[p·nr + c] = col[p, j0 + c] for the nc columns of the panel (zero for padding taps and for
    /// c ≥ nc), read from the image: implicit im2col. Row p = (channel, i, j) of the kernel, as im2col orders it.</summary>
    internal static void PackFromImage(in ImageSource source, int j0, int nc, int nr, float* dst)
    {
        ref readonly var s = ref source.G;
        var pixels = s.OH * s.OW;
        Span<RowRun> runs = stackalloc RowRun[nc + 1];
        var count = 0;
        for (var col = j0; col < j0 + nc;)
        {
            var (image, pixel) = Math.DivRem(col, pixels);
            var (oy, ox) = Math.DivRem(pixel, s.OW);
            var length = Math.Min(s.OW - ox, j0 + nc - col);
            runs[count++] = new RowRun(col - j0, image, oy, ox, length);
            col += length;
        }
        var p = 0;
        for (var ci = 0; ci < s.C; ci++)
            for (var i = 0; i < s.KH; i++)
                for (var j = 0; j < s.KW; j++, p++)
                {
                    var d = dst + (long)p * nr;
                    // Output columns ox whose tap lands inside the row: ox·SW − PW + j in [0, W).
                    var oxFirst = Math.Max(0, CeilDiv(s.PW - j, s.SW));
                    var oxEnd = CeilDiv(s.W + s.PW - j, s.SW);
                    for (var r = 0; r < count; r++)
                    {
                        var run = runs[r];
                        var dr = d + run.At;
                        var iy = run.Oy * s.SH - s.PH + i;
                        if (iy < 0 || iy >= s.H)
                        {
                            new Span<float>(dr, run.Length).Clear();
                            continue;
                        }
                        var src = source.X + run.Image * source.ImageStride + ci * source.ChannelStride + (long)iy * s.W - s.PW + j;
                        var a = Math.Clamp(oxFirst - run.Ox, 0, run.Length); // first inside column of the run
                        var e = Math.Clamp(oxEnd - run.Ox, a, run.Length);    // end of the inside columns
                        for (var c = 0; c < a; c++) dr[c] = 0;
                        if (s.SW == 1) Unsafe.CopyBlockUnaligned(dr + a, src + run.Ox + a, (uint)((e - a) * sizeof(float)));
                        else for (var c = a; c < e; c++) dr[c] = src[(run.Ox + c) * s.SW];
                        for (var c = e; c < run.Length; c++) dr[c] = 0;
                    }
                    for (var c = nc; c < nr; c++) d[c] = 0;
                }
    }

    /// <summary>Ceiling of a/b for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;

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
    internal static void StoreRun(float* src, float* dst, int n, float shift, bool relu)
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
