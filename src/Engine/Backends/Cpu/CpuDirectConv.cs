using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Backends.Cpu;

/// <summary>A direct float32 convolution (no im2col, no packed column panels) for layers with few output
/// channels, where the implicit-im2col GEMM spends more time unfolding panels than multiplying
/// (each unfolded float feeds only F multiply-adds):
/// y[b, f, oy, ox] = act(Σ_c Σ_i Σ_j w[f, c, i, j]·x[b, c, oy·SH − PH + i, ox·SW − PW + j] + bias[f]).
///
/// Per image, x is copied once into "phase planes": zero-padded, and for a stride s split into s×s
/// planes of every s-th row and column, each Hq×Wq (Hq = OH + (KH − 1)/SH, Wq = OW + (KW − 1)/SW).
/// In that layout output pixel (oy, ox) at position q = oy·Wq + ox reads tap (i, j) at a fixed
/// offset from q, so 16 consecutive positions are one contiguous vector load for every tap, whatever
/// the padding and stride. Positions with ox ≥ OW are computed and thrown away (the price of
/// contiguity: (Wq − OW)/Wq of the work).
///
/// The register block (<see cref="IDirectConvKernel"/>: AVX-512 8 filters × 48 positions, AVX2 4 × 24)
/// loads its vectors and broadcasts one weight per filter for each tap. Every output value is one fused
/// multiply-add chain from zero over the taps in (c, i, j) order, padding taps included as zeros, then
/// + bias, then ReLU: exactly the operations of <see cref="CpuConvGemm"/> with the GEMM kernel of the
/// same instruction set, so the two paths are bitwise equal. Finished vectors go to NCHW by masked
/// stores, one per output row a vector touches.
/// Work items are images (or, with few images, images × channel blocks); each value is computed by
/// one thread in the same order whatever the split.</summary>
internal static unsafe class CpuDirectConv
{
    /// <summary>The direct kernel needs AVX-512 or AVX2 + FMA (elsewhere the implicit-im2col GEMM runs).</summary>
    public static bool IsSupported => Avx512DirectConvKernel.IsSupported || Avx2DirectConvKernel.IsSupported;

    /// <summary>Output positions per register block of the kernel this machine runs.</summary>
    private static int Span => Avx512DirectConvKernel.IsSupported ? Avx512DirectConvKernel.Lanes * Avx512DirectConvKernel.Vectors
        : Avx2DirectConvKernel.Lanes * Avx2DirectConvKernel.Vectors;

    /// <summary>Whether <see cref="Forward"/> can run this geometry: undilated, one group, on this machine.</summary>
    public static bool Handles(in Conv2DGeometry g) => IsSupported && !g.Dilated && g.Groups == 1;

    /// <summary>Whether Conv2D's forward takes the direct kernel rather than the implicit-im2col GEMM
    /// (ConvForwardBenchmarks; both give the same bits). It won on every 3×3 layer of ResNet-20 and the
    /// seed CNN whose planes it fills well (−21 to −72%: stage 1 0.28×, seed conv1 0.55×, conv2 0.49×)
    /// and lost on 1×1 kernels (the stride-2 shortcuts, 1.2–1.5×: one tap per channel leaves its fixed
    /// cost per block uncovered) and where most computed positions are thrown away (the seed CNN's
    /// 5×5 → 3×3: 9 kept of 48, 1.1–1.35×). Kept share: OH·OW over the positions computed. Stride 1 needs
    /// 70%: on 8×8 'same' planes (64 of 96) the implicit GEMM, whose stride-1 panels ConvPanelUnfold packs,
    /// won (ResNet18 layer2 0.76×, ResNet-20 stage 3 0.95×; ConvForwardDxBenchmarks, fwd-ab), while the
    /// strided entries with the same share stay direct (their GEMM panels take the general packer: 1.2×).</summary>
    public static bool Prefers(in Conv2DGeometry g)
    {
        if (!Handles(g) || g.KH * g.KW == 1) return false;
        var layout = new Layout(g, Span);
        var share = g.SH == 1 && g.SW == 1 ? MinKeptTenthsStride1 : MinKeptTenthsStrided;
        return 10L * g.OH * g.OW >= (long)share * layout.Groups * Span;
    }

    /// <summary>Least kept share (tenths) of the computed positions for a stride-1 layer to run here.</summary>
    internal const int MinKeptTenthsStride1 = 7;

    /// <summary>The same for strided layers.</summary>
    internal const int MinKeptTenthsStrided = 6;

    /// <summary>Forward convolution of NCHW x with w [F, C, KH, KW] into NCHW y (overwritten); bias may be
    /// empty. Bitwise the same as <see cref="CpuConvGemm.ForwardFromImage"/>.</summary>
    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y, bool relu)
    {
        if (x.Length < g.InputSize)
            throw new ArgumentException($"direct conv forward: x must hold {g.InputSize} floats ({g}); received {x.Length}.");
        fixed (float* pw = w, px = x, pb = bias, py = y)
            Run(w.Length, pw, px, (long)g.C * g.H * g.W, (long)g.H * g.W, g, bias.Length == 0 ? null : pb, bias.Length, py, y.Length, relu, accumulate: false);
    }

    /// <summary><see cref="Forward"/> on a given kernel (tests run each one the machine has).</summary>
    internal static void Forward<TKernel>(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y, bool relu)
        where TKernel : struct, IDirectConvKernel
    {
        if (x.Length < g.InputSize)
            throw new ArgumentException($"direct conv forward: x must hold {g.InputSize} floats ({g}); received {x.Length}.");
        fixed (float* pw = w, px = x, pb = bias, py = y)
            Run<TKernel>(w.Length, pw, px, (long)g.C * g.H * g.W, (long)g.H * g.W, g, bias.Length == 0 ? null : pb, bias.Length, py, y.Length, relu, accumulate: false);
    }

    /// <summary>The input gradient of a stride-1 convolution as a transposed convolution run by this kernel:
    /// dx[b, c, y, x] (+)= Σ_f Σ_i Σ_j w[f, c, i, j]·dz[b, f, y + PH − i, x + PW − j], with dz read in place
    /// from the gradient rows dyT [F, N·OH·OW]; dx overwritten when <paramref name="assign"/>, added to
    /// otherwise. Bitwise what CpuConvGemm.InputGrad gives (the same FMA chain).</summary>
    public static void InputGrad(ReadOnlySpan<float> w, ReadOnlySpan<float> dyT, in Conv2DGeometry g, Span<float> dx, bool assign)
    {
        if (g.SH != 1 || g.SW != 1)
            throw new ArgumentException($"direct conv input gradient: needs stride 1; received {g}.");
        if (w.Length < (long)g.F * g.ColumnRows || dyT.Length < g.OutputSize || dx.Length < g.InputSize)
            throw new ArgumentException($"direct conv input gradient ({g}): w ≥ {(long)g.F * g.ColumnRows}, dyT ≥ {g.OutputSize}, dx ≥ {g.InputSize} floats; " +
                $"received {w.Length}, {dyT.Length}, {dx.Length}.");
        var t = new Conv2DGeometry
        {
            N = g.N, C = g.F, F = g.C, Groups = 1, H = g.OH, W = g.OW, KH = g.KH, KW = g.KW, SH = 1, SW = 1,
            PH = g.KH - 1 - g.PH, PW = g.KW - 1 - g.PW, DH = 1, DW = 1, OH = g.H, OW = g.W,
        };
        var taps = g.KH * g.KW;
        var length = g.C * g.F * taps;
        var flipped = ArrayPool<float>.Shared.Rent(length);
        try
        {
            // flipped[c, f, q] = w[f, c, taps − 1 − q]: the kernel turned by 180° with its channel axes swapped.
            for (var c = 0; c < g.C; c++)
                for (var f = 0; f < g.F; f++)
                    for (var q = 0; q < taps; q++)
                        flipped[((long)c * g.F + f) * taps + q] = w[(f * g.C + c) * taps + taps - 1 - q];
            var pixels = (long)g.OH * g.OW;
            fixed (float* pf = flipped, pdz = dyT, pdx = dx)
                Run(length, pf, pdz, pixels, g.N * pixels, t, null, 0, pdx, dx.Length, relu: false, accumulate: !assign);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(flipped);
        }
    }

    /// <summary>The general entry point: image b's channel c is the H×W plane at
    /// x + b·imageStride + c·channelStride (so a [C][N][P] gradient buffer can be read in place), w is
    /// [F, C, KH, KW] (OIHW, F = g.F), y is NCHW [N, F, OH, OW], overwritten, or added to when
    /// <paramref name="accumulate"/> (then bias and ReLU are not allowed). A stride-1 transposed
    /// convolution is this call with the kernel flipped and its channel axes swapped, padding KH − 1 − PH
    /// (see CpuConvGemm.InputGrad).</summary>
    public static void Run(long wLength, float* w, float* x, long imageStride, long channelStride, in Conv2DGeometry g,
        float* bias, int biasLength, float* y, long yLength, bool relu, bool accumulate)
    {
        if (Avx512DirectConvKernel.IsSupported)
            Run<Avx512DirectConvKernel>(wLength, w, x, imageStride, channelStride, g, bias, biasLength, y, yLength, relu, accumulate);
        else Run<Avx2DirectConvKernel>(wLength, w, x, imageStride, channelStride, g, bias, biasLength, y, yLength, relu, accumulate);
    }

    private static void Run<TKernel>(long wLength, float* w, float* x, long imageStride, long channelStride, in Conv2DGeometry g,
        float* bias, int biasLength, float* y, long yLength, bool relu, bool accumulate) where TKernel : struct, IDirectConvKernel
    {
        if (!TKernel.IsSupported || g.Dilated || g.Groups != 1)
            throw new ArgumentException($"direct conv: needs AVX-512 or AVX2 and an undilated convolution with one group; received {g}.");
        if (wLength < (long)g.F * g.ColumnRows || yLength < g.OutputSize || (bias != null && biasLength < g.F))
            throw new ArgumentException($"direct conv ({g}): w ≥ {(long)g.F * g.ColumnRows}, y ≥ {g.OutputSize}, bias 0 or ≥ {g.F} floats; " +
                $"received {wLength}, {yLength}, {biasLength}.");
        if (accumulate && (relu || bias != null))
            throw new ArgumentException("direct conv: adding into y takes neither bias nor ReLU.");
        if (g.N == 0 || g.F == 0) return;

        var (fb, lanes) = (TKernel.Filters, TKernel.Lanes);
        var layout = new Layout(g, lanes * TKernel.Vectors);
        var taps = g.KH * g.KW;
        var blocks = (g.F + fb - 1) / fb;
        var packedLength = blocks * fb * g.C * taps;
        var packed = ArrayPool<float>.Shared.Rent(packedLength);
        var offsets = ArrayPool<int>.Shared.Rent(taps);
        var vectors = layout.Groups * TKernel.Vectors;
        var maxSegments = vectors * (lanes / layout.Wq + 2);
        var segments = ArrayPool<int>.Shared.Rent(vectors + 1 + maxSegments);
        var masks = ArrayPool<float>.Shared.Rent(maxSegments * lanes + 16);
        try
        {
            fixed (float* pp = packed, pm = masks)
            fixed (int* po = offsets, ps = segments)
            {
                PackWeights(w, g, fb, pp);
                for (var i = 0; i < g.KH; i++)
                    for (var j = 0; j < g.KW; j++)
                        po[i * g.KW + j] = layout.TapOffset(i, j);
                var alignedMasks = (float*)(((nint)pm + 63) & ~(nint)63);
                BuildSegments(g, layout, lanes, vectors, ps, alignedMasks);
                // Few images: split each image's channel blocks too, so both cores have work.
                var parts = g.N >= 4 ? 1 : blocks;
                var job = new Job(pp, x, imageStride, channelStride, g, layout, po, ps, alignedMasks, vectors, bias, y, parts, relu, accumulate);
                var items = g.N * parts;
                var work = 2L * g.F * g.ColumnRows * g.OH * g.OW * g.N;
                if (items > 1 && work >= 2_000_000) CpuParallel.For(items, job, static (j, item) => RunItem<TKernel>(j, item));
                else for (var item = 0; item < items; item++) RunItem<TKernel>(job, item);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(masks);
            ArrayPool<int>.Shared.Return(segments);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<float>.Shared.Return(packed);
        }
    }

    /// <summary>Where the phase planes put things. Channel c's phase (ph, pw) plane starts at
    /// (c·SH·SW + ph·SW + pw)·Plane; positions q = oy·Wq + ox run over [0, Positions).</summary>
    private readonly struct Layout
    {
        public readonly int Hq, Wq, Plane, Positions, Groups, Length;
        private readonly int _sh, _sw;

        public Layout(in Conv2DGeometry g, int span)
        {
            (_sh, _sw) = (g.SH, g.SW);
            Hq = g.OH + (g.KH - 1) / g.SH;
            Wq = g.OW + (g.KW - 1) / g.SW;
            Plane = Hq * Wq;
            Positions = (g.OH - 1) * Wq + g.OW;
            Groups = (Positions + span - 1) / span;
            // A block's loads run up to Groups·span positions past a tap's offset, which stays inside
            // the image's planes; the tail keeps the last channel's reads inside the buffer.
            Length = g.C * g.SH * g.SW * Plane + Groups * span + 16;
        }

        /// <summary>Offset of tap (i, j) from position q within a channel's planes.</summary>
        public int TapOffset(int i, int j) => ((i % _sh) * _sw + j % _sw) * Plane + i / _sh * Wq + j / _sw;
    }

    private readonly struct Job(float* packedW, float* x, long imageStride, long channelStride, in Conv2DGeometry g, in Layout layout, int* offsets,
        int* segments, float* masks, int vectors, float* bias, float* y, int parts, bool relu, bool accumulate)
    {
        public readonly float* PackedW = packedW, X = x, Bias = bias, Y = y, Masks = masks;
        public readonly int* Segments = segments;
        public readonly long ImageStride = imageStride, ChannelStride = channelStride;
        public readonly Conv2DGeometry G = g;
        public readonly Layout Layout = layout;
        public readonly int* Offsets = offsets;
        public readonly int Parts = parts, Vectors = vectors;
        public readonly bool Relu = relu, Accumulate = accumulate;
    }

    /// <summary>packed[((block·C + c)·taps + t)·FB + r] = w[block·FB + r, c, t] (FB filters per block), zero past the last filter.</summary>
    private static void PackWeights(float* w, in Conv2DGeometry g, int fb, float* packed)
    {
        var taps = g.KH * g.KW;
        var k = g.C * taps;
        var blocks = (g.F + fb - 1) / fb;
        for (var block = 0; block < blocks; block++)
            for (var q = 0; q < k; q++)
            {
                var d = packed + ((long)block * k + q) * fb;
                for (var r = 0; r < fb; r++)
                {
                    var f = block * fb + r;
                    d[r] = f < g.F ? w[(long)f * k + q] : 0f;
                }
            }
    }

    [ThreadStatic] private static float[]? _planes;

    /// <summary>This thread's buffer for one image's phase planes, 64-byte aligned.</summary>
    private static float* Planes(int floats)
    {
        if (_planes is null || _planes.Length < floats + 16)
            _planes = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_planes));
        return (float*)((start + 63) & ~(nint)63);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunItem<TKernel>(in Job job, int item) where TKernel : struct, IDirectConvKernel
    {
        var (fb, span) = (TKernel.Filters, TKernel.Lanes * TKernel.Vectors);
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (image, part) = Math.DivRem(item, job.Parts);
        var planes = Planes(layout.Length);
        Unfold(job, image, planes);

        var blocks = (g.F + fb - 1) / fb;
        var (first, end) = job.Parts == 1 ? (0, blocks) : (part, part + 1);
        var k = g.C * g.KH * g.KW;
        var channelPlanes = (long)g.SH * g.SW * layout.Plane;
        var tile = stackalloc float[fb * span + 16];
        var aligned = (float*)(((nint)tile + 63) & ~(nint)63);
        for (var block = first; block < end; block++)
        {
            var wBlock = job.PackedW + (long)block * k * fb;
            var rows = Math.Min(fb, g.F - block * fb);
            for (var group = 0; group < layout.Groups; group++)
            {
                var q0 = group * span;
                TKernel.Block(planes + q0, channelPlanes, g.C, job.Offsets, g.KH * g.KW, wBlock, aligned);
                Store<TKernel>(job, aligned, image, block * fb, rows, group * TKernel.Vectors);
            }
        }
    }

    /// <summary>Copies image b's channels into zero-padded phase planes (see <see cref="Layout"/>).</summary>
    private static void Unfold(in Job job, int image, float* planes)
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (hq, wq) = (layout.Hq, layout.Wq);
        var src0 = job.X + image * job.ImageStride;
        for (var c = 0; c < g.C; c++)
        {
            var channel = src0 + c * job.ChannelStride;
            // Only phases some tap reads (ph < KH, pw < KW: a 1×1 stride-2 kernel reads one of four).
            for (var ph = 0; ph < Math.Min(g.SH, g.KH); ph++)
                for (var pw = 0; pw < Math.Min(g.SW, g.KW); pw++)
                {
                    var plane = planes + ((long)(c * g.SH + ph) * g.SW + pw) * layout.Plane;
                    FillPhasePlane(plane, channel, g, ph, pw, hq, wq);
                }
        }
        // The tail past the last plane (like the phases no tap reads) is read only by positions that are
        // thrown away; it is zeroed so that even those lanes do not compute on stale NaNs.
        var used = (long)g.C * g.SH * g.SW * layout.Plane;
        new Span<float>(planes + used, (int)(layout.Length - used)).Clear();
    }

    /// <summary>Where each vector's kept values go in an output plane. A vector's lanes can
    /// span several output rows (with thrown-away columns between them), so it is stored as one masked
    /// store per row it touches: segment s of vector v (s in [segments[v], segments[v + 1])) stores the
    /// lanes set in masks[s·lanes..] at plane + segments[vectors + 1 + s] (lane l then lands on its output
    /// pixel: position v·lanes + l in row oy is output pixel v·lanes + l − oy·(Wq − OW)). The same for every
    /// image and filter, so it is built once per call.</summary>
    private static void BuildSegments(in Conv2DGeometry g, in Layout layout, int lanes, int vectors, int* segments, float* masks)
    {
        var wq = layout.Wq;
        var count = 0;
        var allSet = BitConverter.Int32BitsToSingle(-1);
        for (var v = 0; v < vectors; v++)
        {
            segments[v] = count;
            var q0 = v * lanes;
            var qEnd = Math.Min(q0 + lanes, layout.Positions);
            for (var q = q0; q < qEnd;)
            {
                var (oy, ox) = Math.DivRem(q, wq);
                var rowEnd = Math.Min(qEnd, (oy + 1) * wq);
                if (ox < g.OW)
                {
                    var keptEnd = Math.Min(rowEnd, oy * wq + g.OW);
                    var m = masks + count * lanes;
                    for (var l = 0; l < lanes; l++) m[l] = q0 + l >= q && q0 + l < keptEnd ? allSet : 0f;
                    segments[vectors + 1 + count] = q0 - oy * (wq - g.OW);
                    count++;
                }
                q = rowEnd;
            }
        }
        segments[vectors] = count;
    }

    /// <summary>Writes the kept positions of a finished block (filters f0.., vectors v0..) to NCHW y, with
    /// bias and ReLU (exactly CpuConvGemm.StoreRun's operations), or adds them (CpuConvInputGrad.AddRun's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Store<TKernel>(in Job job, float* tile, int image, int f0, int rows, int v0) where TKernel : struct, IDirectConvKernel
    {
        ref readonly var g = ref job.G;
        var pixels = g.OH * g.OW;
        var (lanes, vb) = (TKernel.Lanes, TKernel.Vectors);
        var destinations = job.Segments + job.Vectors + 1;
        for (var r = 0; r < rows; r++)
        {
            var f = f0 + r;
            var plane = job.Y + ((long)image * g.F + f) * pixels;
            var shift = job.Bias == null ? 0f : job.Bias[f];
            for (var v = 0; v < vb; v++)
                TKernel.Finish(tile + (r * vb + v) * lanes, shift, job.Relu, job.Accumulate, job.Masks, destinations,
                    job.Segments[v0 + v], job.Segments[v0 + v + 1], plane);
        }
    }

    /// <summary>Phase plane (ph, pw) of one channel: plane[qy, qx] = x[qy·SH + ph − PH, qx·SW + pw − PW], 0 where
    /// that lies in the padding (hq×wq values). Also the layout of CpuDirectWeightGrad's input planes.</summary>
    internal static void FillPhasePlane(float* plane, float* channel, in Conv2DGeometry g, int ph, int pw, int hq, int wq) =>
        PhasePlaneFill.Fill(plane, channel, g, ph, pw, hq, wq);
}
