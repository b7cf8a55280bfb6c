using System.Runtime.CompilerServices;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>float32 convolution passes that the CPU backend fuses internally (Ops.Conv2D uses them on
/// the CPU; other backends run the composite of IBackend kernels, which these match). Not part of
/// the IBackend contract: they exist to save memory passes, not to add an operation.</summary>
public sealed partial class CpuBackend
{
    /// <summary>Whether the fused float32 convolution passes apply to this tensor.</summary>
    internal static bool FusesConv(Tensor x, int k) =>
        x.Backend is CpuBackend && x.DType == DType.Float32 && k <= CpuConvGemm.MaxK;

    /// <summary>Whether Conv2D's backward takes the fused float32 passes (<see cref="ConvGradRows"/>, then
    /// <see cref="ConvInputGradFused"/> / <see cref="ConvWeightGradFromImage"/> where their rules say, else
    /// GEMM + <see cref="Col2ImFloat"/> / <see cref="ConvWeightGrad"/>): any k, unlike the forward.</summary>
    internal static bool FusesConvBackward(Tensor x) => x.Backend is CpuBackend && x.DType == DType.Float32;

    /// <summary>y [N, F, P] = act(w [F, K] · col [K, N·P] + bias): GEMM, transpose to NCHW, bias add and
    /// ReLU in one output pass.</summary>
    internal static void ConvForwardFused(Tensor w, Tensor col, Tensor? bias, Tensor y, int filters, int k, int images, int pixels, bool relu) =>
        CpuConvGemm.Forward(w.Span<float>(), col.Span<float>(), bias is null ? default : bias.Span<float>(), y.Span<float>(),
            filters, k, images, pixels, relu);

    /// <summary>The same as <see cref="ConvForwardFused(Tensor, Tensor, Tensor?, Tensor, int, int, int, int, bool)"/>
    /// on col = im2col(x), with col never materialised: the direct convolution where it is faster
    /// (CpuDirectConv.Prefers), else the GEMM with each column panel unfolded from x into its packed
    /// buffer. Both give bitwise the same y.</summary>
    internal static void ConvForwardFused(Tensor w, Tensor x, in Conv2DGeometry g, Tensor? bias, Tensor y, bool relu)
    {
        var b = bias is null ? default : bias.Span<float>();
        if (CpuDirectConv.Prefers(g)) CpuDirectConv.Forward(w.Span<float>(), x.Span<float>(), g, b, y.Span<float>(), relu);
        else CpuConvGemm.ForwardFromImage(w.Span<float>(), x.Span<float>(), g, b, y.Span<float>(), g.F, relu);
    }

    /// <summary>Whether Conv2D's forward runs as per-tap GEMMs that skip the padding (<see cref="ConvTapGemm"/>):
    /// float32 on the CPU, undilated, one group, a kernel of more than one tap, and an output plane of at most
    /// <see cref="MaxTapForwardPixels"/> pixels. Measured (ConvTapGemmBenchmarks, tap-ab, W5 batch 32): ResNet18's
    /// 512-channel 2×2 layer 0.48× of im2col + GEMM + transpose, its stride-2 entry into 2×2 0.60× of the
    /// implicit GEMM; on 4×4 outputs a tie (layer3 1.06×) or a loss (the stride-2 entry 1.7×), on 8×8 and for
    /// 1×1 kernels 1.6–4× slower, so those keep their paths.</summary>
    internal static bool ConvForwardByTaps(Tensor x, in Conv2DGeometry g) =>
        x.Backend is CpuBackend && x.DType == DType.Float32 && TapsApply(g) && g.OH * g.OW <= MaxTapForwardPixels;

    internal const int MaxTapForwardPixels = 4;

    /// <summary>Whether Conv2D's backward computes dx by per-tap GEMMs (<see cref="ConvTapGemm.InputGrad"/>) instead
    /// of its other paths: an input plane of at most <see cref="MaxTapInputGradPixels"/> pixels (the caller has
    /// checked float32 on the CPU). Measured: ResNet18's layer3 (4×4) 0.54×, layer4 (2×2) 0.62×, the stride-2
    /// entry from 4×4 0.59× of dcol GEMM + col2im; from 8×8 a loss (1.10×), 8×8 layers 1.35–2×.</summary>
    internal static bool ConvInputGradByTaps(in Conv2DGeometry g) => TapsApply(g) && g.H * g.W <= MaxTapInputGradPixels;

    internal const int MaxTapInputGradPixels = 16;

    /// <summary>Whether Conv2D's backward computes dW by per-tap GEMMs (<see cref="ConvTapWeightGrad"/>): the same
    /// outputs as the forward's rule (at most <see cref="MaxTapForwardPixels"/> pixels; the caller has checked
    /// float32 on the CPU), so those layers never unfold x. Measured (tap-ab): ResNet18's layer4 0.71× of
    /// CpuGemm on the col the composite forward kept, its stride-2 entry into 2×2 0.49× of the implicit dW;
    /// on 4×4 outputs 1.08× (layer3) and 1.26× (entry3), so those keep theirs.</summary>
    internal static bool ConvWeightGradByTaps(in Conv2DGeometry g) => TapsApply(g) && g.OH * g.OW <= MaxTapForwardPixels;

    /// <summary>dw [F, C, KH, KW] += the weight gradient from dyT [F, N·P] and x by <see cref="ConvTapWeightGrad"/>.</summary>
    internal static void ConvWeightGradTaps(Tensor dyT, Tensor x, in Conv2DGeometry g, Tensor dw) =>
        ConvTapWeightGrad.Run(dyT.Span<float>(), x.Span<float>(), g, dw.Span<float>());

    private static bool TapsApply(in Conv2DGeometry g) => g.Groups == 1 && !g.Dilated && g.KH * g.KW > 1;

    /// <summary>y = act(conv(x, w) + bias) by <see cref="ConvTapGemm"/>.</summary>
    internal static void ConvForwardTaps(Tensor w, Tensor x, in Conv2DGeometry g, Tensor? bias, Tensor y, bool relu) =>
        ConvTapGemm.Forward(w.Span<float>(), x.Span<float>(), g, bias is null ? default : bias.Span<float>(), y.Span<float>(), relu);

    /// <summary>dx (+)= the input gradient from the gradient rows dyT [F, N·P] by <see cref="ConvTapGemm"/>;
    /// overwrites dx when <paramref name="assign"/>.</summary>
    internal static void ConvInputGradTaps(Tensor w, Tensor dyT, in Conv2DGeometry g, Tensor dx, bool assign) =>
        ConvTapGemm.InputGrad(w.Span<float>(), dyT.Span<float>(), g, dx.Span<float>(), assign);

    /// <summary>Whether Conv2D's backward takes <see cref="ConvInputGradFused"/> (stride 1, where it is faster;
    /// see CpuConvGemm.PrefersInputGrad) rather than GEMM + col2im.</summary>
    internal static bool FusesConvInputGrad(in Conv2DGeometry g) => CpuConvGemm.PrefersInputGrad(g);

    /// <summary>Whether Conv2D's backward takes <see cref="ConvWeightGradFromImage"/> rather than im2col +
    /// <see cref="ConvWeightGrad"/> (see CpuConvWeightGrad.Prefers).</summary>
    internal static bool FusesConvWeightGrad(in Conv2DGeometry g) => CpuConvWeightGrad.Prefers(g);

    /// <summary>dx (+)= the input gradient of the convolution from the gradient rows dyT [F, N·P], as a
    /// transposed convolution with no dcol buffer and no col2im; overwrites dx when <paramref name="assign"/>.</summary>
    internal static void ConvInputGradFused(Tensor w, Tensor dyT, in Conv2DGeometry g, Tensor dx, bool assign) =>
        CpuConvGemm.InputGrad(w.Span<float>(), dyT.Span<float>(), g, dx.Span<float>(), assign);

    /// <summary>dw [F, K] += dyT [F, N·P] · im2col(x)ᵀ with the unfolded input never materialised
    /// (see CpuConvWeightGrad).</summary>
    internal static void ConvWeightGradFromImage(Tensor dyT, Tensor x, in Conv2DGeometry g, Tensor dw) =>
        CpuConvWeightGrad.Run(dyT.Span<float>(), x.Span<float>(), g, dw.Span<float>());

    /// <summary>dyT [F, N·P] = dy [N, F, P] transposed, masked by (y &gt; 0) when <paramref name="reluOutput"/>
    /// is given (the backward of a fused ReLU: y &gt; 0 exactly where its input was), on both cores; and,
    /// when <paramref name="db"/> is given, db[f] += Σ_b Σ_p dyT[f, b·P + p] from each plane's sum taken
    /// while it is still in cache (planes summed in image order, so the split does not matter).</summary>
    internal static void ConvGradRows(Tensor dy, Tensor? reluOutput, Tensor dyT, int images, int filters, int pixels, Tensor? db)
    {
        using var sums = db is null ? null : Tensor.Empty(Shape.Of(images * filters));
        CpuParallel.ForEachPlane(images * filters, pixels, (dy, reluOutput, dyT, images, filters, pixels, sums), [MethodImpl(MethodImplOptions.AggressiveOptimization)] static (s, plane) =>
        {
            var (dy, reluOutput, dyT, images, filters, pixels, sums) = s;
            var (b, f) = (plane / filters, plane % filters);
            var src = dy.Span<float>().Slice(plane * pixels, pixels);
            var dst = dyT.Span<float>().Slice((f * images + b) * pixels, pixels);
            if (reluOutput is null) src.CopyTo(dst);
            else SimdFloat.Mask(reluOutput.Span<float>().Slice(plane * pixels, pixels), src, dst);
            if (sums is not null) sums.Span<float>()[plane] = SimdFloat.Sum(dst);
        });
        if (db is null || sums is null) return;
        var d = db.Span<float>();
        var s = sums.Span<float>();
        for (var f = 0; f < filters; f++)
        {
            var total = 0f;
            for (var b = 0; b < images; b++) total += s[b * filters + f];
            d[f] += total;
        }
    }

    /// <summary>dw [F, K] += dyT [F, N·P] · colᵀ. With few filter taps (K well under a micro-tile's
    /// width, e.g. a first layer with K = 9) the transposed product dwᵀ = col · dyTᵀ pads far less, so
    /// it is computed aside and added transposed. Which form runs depends on the shape only.</summary>
    internal static void ConvWeightGrad(Tensor dyT, Tensor col, Tensor dw, int filters, int k, int columns)
    {
        var (mr, nr) = CpuGemm.Tile;
        long Padded(int rows, int cols) => (long)((rows + mr - 1) / mr * mr) * ((cols + nr - 1) / nr * nr);
        if (Padded(k, filters) >= Padded(filters, k))
        {
            CpuGemm.Sgemm(false, true, filters, k, columns, 1, dyT.Span<float>(), col.Span<float>(), 1, dw.Span<float>());
            return;
        }
        using var dwT = Tensor.Empty(Shape.Of(k, filters));
        CpuGemm.Sgemm(false, true, k, filters, columns, 1, col.Span<float>(), dyT.Span<float>(), 0, dwT.Span<float>());
        var src = dwT.Span<float>();
        var dst = dw.Span<float>();
        for (var f = 0; f < filters; f++)
            for (var q = 0; q < k; q++) dst[f * k + q] += src[q * filters + f];
    }
}
