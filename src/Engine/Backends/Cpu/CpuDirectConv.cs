using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// The micro-kernel holds 8 output channels × 3 vectors (48 positions) in 24 AVX-512 registers; per
/// tap it loads 3 vectors and broadcasts 8 weights. Every output value is one fused multiply-add chain
/// from zero over the taps in (c, i, j) order, padding taps included as zeros, then + bias, then ReLU:
/// exactly the operations of <see cref="CpuConvGemm"/>'s AVX-512 path, so the two are bitwise equal.
/// Work items are images (or, with few images, images × channel blocks); each value is computed by
/// one thread in the same order whatever the split.</summary>
internal static unsafe class CpuDirectConv
{
    /// <summary>Output channels per register block.</summary>
    private const int FB = 8;

    /// <summary>16-float vectors per register block.</summary>
    private const int VB = 3;

    /// <summary>Output positions per register block.</summary>
    private const int Span = VB * 16;

    /// <summary>The direct kernel needs AVX-512 (elsewhere the implicit-im2col GEMM runs).</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>Whether <see cref="Forward"/> can run this geometry: undilated, one group, on this machine.</summary>
    public static bool Handles(in Conv2DGeometry g) => IsSupported && !g.Dilated && g.Groups == 1;

    /// <summary>Whether Conv2D's forward takes the direct kernel rather than the implicit-im2col GEMM
    /// (ConvForwardBenchmarks; both give the same bits). It wins where each unfolded float feeds few
    /// multiply-adds and the taps are many: ResNet-20's 3×3 layers at 16–64 channels, stride 1 and 2
    /// (−16 to −58%). It loses where the taps are few (the seed CNN's first layer, C = 1, K = 9; 1×1
    /// shortcuts; a 3-channel first layer: its fixed cost per block of outputs dominates) and where the
    /// thrown-away columns are many (5×5 → 3×3 'valid': Wq = 5 for 3 kept).</summary>
    public static bool Prefers(in Conv2DGeometry g) =>
        Handles(g) && g.ColumnRows >= MinTaps && 4L * g.OW >= 3L * (g.OW + (g.KW - 1) / g.SW);

    /// <summary>Fewest unfolded rows (C·KH·KW) for which the direct kernel beats the GEMM.</summary>
    internal const int MinTaps = 64;

    /// <summary>Forward convolution of NCHW x with w [F, C, KH, KW] into NCHW y (overwritten); bias may be
    /// empty. Bitwise the same as <see cref="CpuConvGemm.ForwardFromImage"/> on an AVX-512 machine.</summary>
    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, in Conv2DGeometry g, ReadOnlySpan<float> bias, Span<float> y, bool relu)
    {
        if (x.Length < g.InputSize)
            throw new ArgumentException($"direct conv forward: x must hold {g.InputSize} floats ({g}); received {x.Length}.");
        fixed (float* pw = w, px = x, pb = bias, py = y)
            Run(w.Length, pw, px, (long)g.C * g.H * g.W, (long)g.H * g.W, g, bias.Length == 0 ? null : pb, bias.Length, py, y.Length, relu, accumulate: false);
    }

    /// <summary>The input gradient of a stride-1 convolution as a transposed convolution run by this kernel:
    /// dx[b, c, y, x] (+)= Σ_f Σ_i Σ_j w[f, c, i, j]·dz[b, f, y + PH − i, x + PW − j], with dz read in place
    /// from the gradient rows dyT [F, N·OH·OW]; dx overwritten when <paramref name="assign"/>, added to
    /// otherwise. Bitwise what CpuConvGemm.InputGrad gives on its AVX-512 kernel (the same FMA chain).</summary>
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
        if (!Handles(g))
            throw new ArgumentException($"direct conv: needs AVX-512 and an undilated convolution with one group; received {g}.");
        if (wLength < (long)g.F * g.ColumnRows || yLength < g.OutputSize || (bias != null && biasLength < g.F))
            throw new ArgumentException($"direct conv ({g}): w ≥ {(long)g.F * g.ColumnRows}, y ≥ {g.OutputSize}, bias 0 or ≥ {g.F} floats; " +
                $"received {wLength}, {yLength}, {biasLength}.");
        if (accumulate && (relu || bias != null))
            throw new ArgumentException("direct conv: adding into y takes neither bias nor ReLU.");
        if (g.N == 0 || g.F == 0) return;

        var layout = new Layout(g);
        var taps = g.KH * g.KW;
        var blocks = (g.F + FB - 1) / FB;
        var packedLength = blocks * FB * g.C * taps;
        var packed = ArrayPool<float>.Shared.Rent(packedLength);
        var offsets = ArrayPool<int>.Shared.Rent(taps);
        try
        {
            fixed (float* pp = packed)
            fixed (int* po = offsets)
            {
                PackWeights(w, g, pp);
                for (var i = 0; i < g.KH; i++)
                    for (var j = 0; j < g.KW; j++)
                        po[i * g.KW + j] = layout.TapOffset(i, j);
                // Few images: split each image's channel blocks too, so both cores have work.
                var parts = g.N >= 4 ? 1 : blocks;
                var job = new Job(pp, x, imageStride, channelStride, g, layout, po, bias, y, parts, relu, accumulate);
                var items = g.N * parts;
                var work = 2L * g.F * g.ColumnRows * g.OH * g.OW * g.N;
                if (items > 1 && work >= 2_000_000) CpuParallel.For(items, job, static (j, item) => RunItem(j, item));
                else for (var item = 0; item < items; item++) RunItem(job, item);
            }
        }
        finally
        {
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

        public Layout(in Conv2DGeometry g)
        {
            (_sh, _sw) = (g.SH, g.SW);
            Hq = g.OH + (g.KH - 1) / g.SH;
            Wq = g.OW + (g.KW - 1) / g.SW;
            Plane = Hq * Wq;
            Positions = (g.OH - 1) * Wq + g.OW;
            Groups = (Positions + Span - 1) / Span;
            // A block's loads run up to Groups·Span positions past a tap's offset, which stays inside
            // the image's planes; the tail keeps the last channel's reads inside the buffer.
            Length = g.C * g.SH * g.SW * Plane + Groups * Span + 16;
        }

        /// <summary>Offset of tap (i, j) from position q within a channel's planes.</summary>
        public int TapOffset(int i, int j) => ((i % _sh) * _sw + j % _sw) * Plane + i / _sh * Wq + j / _sw;
    }

    private readonly struct Job(float* packedW, float* x, long imageStride, long channelStride, in Conv2DGeometry g, in Layout layout, int* offsets,
        float* bias, float* y, int parts, bool relu, bool accumulate)
    {
        public readonly float* PackedW = packedW, X = x, Bias = bias, Y = y;
        public readonly long ImageStride = imageStride, ChannelStride = channelStride;
        public readonly Conv2DGeometry G = g;
        public readonly Layout Layout = layout;
        public readonly int* Offsets = offsets;
        public readonly int Parts = parts;
        public readonly bool Relu = relu, Accumulate = accumulate;
    }

    /// <summary>packed[((block·C + c)·taps + t)·FB + r] = w[block·FB + r, c, t], zero past the last filter.</summary>
    private static void PackWeights(float* w, in Conv2DGeometry g, float* packed)
    {
        var taps = g.KH * g.KW;
        var k = g.C * taps;
        var blocks = (g.F + FB - 1) / FB;
        for (var block = 0; block < blocks; block++)
            for (var q = 0; q < k; q++)
            {
                var d = packed + ((long)block * k + q) * FB;
                for (var r = 0; r < FB; r++)
                {
                    var f = block * FB + r;
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
    private static void RunItem(in Job job, int item)
    {
        ref readonly var g = ref job.G;
        ref readonly var layout = ref job.Layout;
        var (image, part) = Math.DivRem(item, job.Parts);
        var planes = Planes(layout.Length);
        Unfold(job, image, planes);

        var blocks = (g.F + FB - 1) / FB;
        var (first, end) = job.Parts == 1 ? (0, blocks) : (part, part + 1);
        var k = g.C * g.KH * g.KW;
        var channelPlanes = (long)g.SH * g.SW * layout.Plane;
        var tile = stackalloc float[FB * Span + 16];
        var aligned = (float*)(((nint)tile + 63) & ~(nint)63);
        for (var block = first; block < end; block++)
        {
            var wBlock = job.PackedW + (long)block * k * FB;
            var rows = Math.Min(FB, g.F - block * FB);
            for (var group = 0; group < layout.Groups; group++)
            {
                var q0 = group * Span;
                Block(planes + q0, channelPlanes, g.C, job.Offsets, g.KH * g.KW, wBlock, aligned);
                Store(job, aligned, image, block * FB, rows, q0);
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
            for (var ph = 0; ph < g.SH; ph++)
                for (var pw = 0; pw < g.SW; pw++)
                {
                    var plane = planes + ((long)(c * g.SH + ph) * g.SW + pw) * layout.Plane;
                    // Columns qx whose input column qx·SW + pw − PW lies in [0, W).
                    var a = Math.Clamp(CeilDiv(g.PW - pw, g.SW), 0, wq);
                    var e = Math.Clamp(CeilDiv(g.W + g.PW - pw, g.SW), a, wq);
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
        }
        // The tail past the last plane is read only by positions that are thrown away; zero it anyway so
        // nothing depends on what the buffer held before.
        var used = (long)g.C * g.SH * g.SW * layout.Plane;
        new Span<float>(planes + used, (int)(layout.Length - used)).Clear();
    }

    /// <summary>tile[r·Span + p] = Σ_c Σ_t w[r, c, t]·planes[c·channelPlanes + offsets[t] + p] for r &lt; FB,
    /// p &lt; Span: one FMA chain per value from zero, over c then t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(float* x, long channelPlanes, int channels, int* offsets, int taps, float* w, float* tile)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (var c = 0; c < channels; c++, x += channelPlanes)
        {
            for (var t = 0; t < taps; t++, w += FB)
            {
                var s = x + offsets[t];
                var x0 = Vector512.Load(s);
                var x1 = Vector512.Load(s + 16);
                var x2 = Vector512.Load(s + 32);
                var wr = Vector512.Create(w[0]);
                c00 = Avx512F.FusedMultiplyAdd(wr, x0, c00);
                c01 = Avx512F.FusedMultiplyAdd(wr, x1, c01);
                c02 = Avx512F.FusedMultiplyAdd(wr, x2, c02);
                wr = Vector512.Create(w[1]);
                c10 = Avx512F.FusedMultiplyAdd(wr, x0, c10);
                c11 = Avx512F.FusedMultiplyAdd(wr, x1, c11);
                c12 = Avx512F.FusedMultiplyAdd(wr, x2, c12);
                wr = Vector512.Create(w[2]);
                c20 = Avx512F.FusedMultiplyAdd(wr, x0, c20);
                c21 = Avx512F.FusedMultiplyAdd(wr, x1, c21);
                c22 = Avx512F.FusedMultiplyAdd(wr, x2, c22);
                wr = Vector512.Create(w[3]);
                c30 = Avx512F.FusedMultiplyAdd(wr, x0, c30);
                c31 = Avx512F.FusedMultiplyAdd(wr, x1, c31);
                c32 = Avx512F.FusedMultiplyAdd(wr, x2, c32);
                wr = Vector512.Create(w[4]);
                c40 = Avx512F.FusedMultiplyAdd(wr, x0, c40);
                c41 = Avx512F.FusedMultiplyAdd(wr, x1, c41);
                c42 = Avx512F.FusedMultiplyAdd(wr, x2, c42);
                wr = Vector512.Create(w[5]);
                c50 = Avx512F.FusedMultiplyAdd(wr, x0, c50);
                c51 = Avx512F.FusedMultiplyAdd(wr, x1, c51);
                c52 = Avx512F.FusedMultiplyAdd(wr, x2, c52);
                wr = Vector512.Create(w[6]);
                c60 = Avx512F.FusedMultiplyAdd(wr, x0, c60);
                c61 = Avx512F.FusedMultiplyAdd(wr, x1, c61);
                c62 = Avx512F.FusedMultiplyAdd(wr, x2, c62);
                wr = Vector512.Create(w[7]);
                c70 = Avx512F.FusedMultiplyAdd(wr, x0, c70);
                c71 = Avx512F.FusedMultiplyAdd(wr, x1, c71);
                c72 = Avx512F.FusedMultiplyAdd(wr, x2, c72);
            }
        }
        StoreRow(tile, c00, c01, c02);
        StoreRow(tile + Span, c10, c11, c12);
        StoreRow(tile + 2 * Span, c20, c21, c22);
        StoreRow(tile + 3 * Span, c30, c31, c32);
        StoreRow(tile + 4 * Span, c40, c41, c42);
        StoreRow(tile + 5 * Span, c50, c51, c52);
        StoreRow(tile + 6 * Span, c60, c61, c62);
        StoreRow(tile + 7 * Span, c70, c71, c72);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* d, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2)
    {
        v0.Store(d);
        v1.Store(d + 16);
        v2.Store(d + 32);
    }

    /// <summary>Writes the kept positions of a finished block (filters f0.., positions q0..) to NCHW y,
    /// with bias and ReLU, or adds them.</summary>
    private static void Store(in Job job, float* tile, int image, int f0, int rows, int q0)
    {
        ref readonly var g = ref job.G;
        var wq = job.Layout.Wq;
        var end = Math.Min(q0 + Span, job.Layout.Positions);
        var pixels = g.OH * g.OW;
        for (var q = q0; q < end;)
        {
            var (oy, ox) = Math.DivRem(q, wq);
            if (ox >= g.OW)
            {
                q += wq - ox;
                continue;
            }
            var run = Math.Min(g.OW - ox, end - q);
            for (var r = 0; r < rows; r++)
            {
                var f = f0 + r;
                var dst = job.Y + ((long)image * g.F + f) * pixels + oy * g.OW + ox;
                var src = tile + r * Span + (q - q0);
                if (job.Accumulate) CpuConvGemm.AddRun(src, dst, run);
                else CpuConvGemm.StoreRun(src, dst, run, job.Bias == null ? 0f : job.Bias[f], job.Relu);
            }
            q += run;
        }
    }

    /// <summary>Ceiling of a/b for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a <= 0 ? -(-a / b) : (a + b - 1) / b;
}
