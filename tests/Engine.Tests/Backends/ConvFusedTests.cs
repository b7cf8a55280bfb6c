using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The CPU backend's fused float32 convolution (GEMM with bias, ReLU and the NCHW write in its
/// output pass; transposed, masked gradient rows; bias gradient from those rows) against the composite
/// of primitives run in float64: Relu(Conv2D) with the separate bias, transpose and ReLU kernels.</summary>
public class ConvFusedTests
{
    public static readonly TheoryData<string> Kernels = new() { "avx512", "avx2", "scalar" };

    // (batch, channels, h, w, filters, kernel, stride, padding): odd sizes; column counts that are not
    // whole panels and cross image edges inside a panel; filters not a multiple of MR; k above KC (512).
    public static readonly TheoryData<int, int, int, int, int, int, int, Padding> Shapes = new()
    {
        { 3, 3, 5, 7, 5, 3, 1, Padding.Same },
        { 3, 3, 5, 7, 5, 3, 2, Padding.Valid },
        { 2, 1, 28, 28, 32, 3, 1, Padding.Valid },
        { 5, 7, 9, 6, 13, 2, 1, Padding.Valid },
        { 2, 65, 6, 5, 9, 3, 1, Padding.Same },
        { 1, 2, 3, 3, 1, 1, 1, Padding.Valid },
        { 3, 2, 7, 6, 4, 3, 2, Padding.Same },
        { 2, 3, 9, 9, 6, 5, 1, Padding.Same },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedConvReluMatchesCompositeForwardAndBackward(int n, int c, int h, int w, int f, int k, int s, Padding padding)
    {
        var rng = new Rng(31);
        var x64 = TestData.Param(rng, n, c, h, w);
        var w64 = TestData.Param(rng, f, c, k, k);
        var b64 = TestData.Param(rng, f);

        var y64 = Ops.Relu(Ops.Conv2D(x64, w64, b64, s, s, padding));
        var dyValues = Tensor.RandomNormal(y64.Shape, rng, dtype: DType.Float64);
        Ops.Sum(Ops.Mul(y64, dyValues)).Backward();

        var x32 = Leaf(x64);
        var w32 = Leaf(w64);
        var b32 = Leaf(b64);
        var y32 = Ops.Conv2D(x32, w32, b32, s, s, padding, relu: true);
        Ops.Sum(Ops.Mul(y32, dyValues.To(DType.Float32))).Backward();

        var what = $"conv2d_relu n={n} c={c} {h}x{w} f={f} k={k} s={s} {padding}";
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), 1e-4, 1e-4, $"{what}: y");
        TestData.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-4, 1e-4, $"{what}: dx");
        TestData.AssertClose(w64.Grad!.ToDoubleArray(), w32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: dw");
        TestData.AssertClose(b64.Grad!.ToDoubleArray(), b32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: db");
        Assert.Contains(y32.ToDoubleArray(), v => v == 0); // ReLU cut something, so the mask was exercised
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedConvWithoutReluMatchesComposite(int n, int c, int h, int w, int f, int k, int s, Padding padding)
    {
        var rng = new Rng(32);
        var x64 = TestData.Param(rng, n, c, h, w);
        var w64 = TestData.Param(rng, f, c, k, k);
        var y64 = Ops.Conv2D(x64, w64, null, s, s, padding);
        var dyValues = Tensor.RandomNormal(y64.Shape, rng, dtype: DType.Float64);
        Ops.Sum(Ops.Mul(y64, dyValues)).Backward();

        var x32 = Leaf(x64);
        var w32 = Leaf(w64);
        var y32 = Ops.Conv2D(x32, w32, null, s, s, padding);
        Ops.Sum(Ops.Mul(y32, dyValues.To(DType.Float32))).Backward();
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), 1e-4, 1e-4, "y");
        TestData.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-4, 1e-4, "dx");
        TestData.AssertClose(w64.Grad!.ToDoubleArray(), w32.Grad!.ToDoubleArray(), 1e-3, 1e-4, "dw");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ConvGemmMatchesPlainLoopForEveryKernel(string kernel)
    {
        var supported = kernel switch
        {
            "avx512" => Avx512GemmKernel.IsSupported,
            "avx2" => Avx2GemmKernel.IsSupported,
            _ => ScalarGemmKernel.IsSupported,
        };
        if (!supported) Assert.Skip($"The {kernel} GEMM kernel needs instructions this CPU lacks.");
        var rng = new Rng(5);
        foreach (var (filters, k, images, pixels, relu, withBias) in new[]
                 { (1, 1, 1, 1, false, false), (13, 9, 3, 35, true, true), (64, 576, 2, 9, true, true), (9, 17, 5, 121, false, true), (33, 600, 1, 40, true, false) })
        {
            var columns = images * pixels;
            var w = RandomFloats(rng, filters * k);
            var col = RandomFloats(rng, k * columns);
            var bias = withBias ? RandomFloats(rng, filters) : [];
            var y = new float[filters * columns + 3];
            Array.Fill(y, float.NaN); // every element inside must be written; the 3 past the end must not
            switch (kernel)
            {
                case "avx512": CpuConvGemm.Forward<Avx512GemmKernel>(w, col, bias, y, filters, k, images, pixels, relu); break;
                case "avx2": CpuConvGemm.Forward<Avx2GemmKernel>(w, col, bias, y, filters, k, images, pixels, relu); break;
                default: CpuConvGemm.Forward<ScalarGemmKernel>(w, col, bias, y, filters, k, images, pixels, relu); break;
            }
            var expected = new double[filters * columns];
            for (var b = 0; b < images; b++)
                for (var fi = 0; fi < filters; fi++)
                    for (var p = 0; p < pixels; p++)
                    {
                        var sum = withBias ? (double)bias[fi] : 0;
                        for (var q = 0; q < k; q++) sum += (double)w[fi * k + q] * col[q * columns + b * pixels + p];
                        expected[(b * filters + fi) * pixels + p] = relu ? Math.Max(sum, 0) : sum;
                    }
            TestData.AssertClose(expected, y[..expected.Length].Select(v => (double)v).ToArray(), 1e-4, 1e-4,
                $"{kernel} conv GEMM f={filters} k={k} images={images} pixels={pixels} relu={relu} bias={withBias}");
            Assert.All(y[expected.Length..], v => Assert.True(float.IsNaN(v), "wrote past the end of y"));
        }
    }

    /// <summary>Implicit im2col (panels unfolded from x inside the GEMM) gives bitwise what im2col followed
    /// by the GEMM on col gives: stride 1 and 2, same and valid padding, 1×1 and 5×3 kernels, output rows
    /// shorter and longer than a panel, panels crossing images.</summary>
    [Theory]
    [MemberData(nameof(Kernels))]
    public void ConvGemmFromImageEqualsIm2ColThenGemm(string kernel)
    {
        var supported = kernel switch
        {
            "avx512" => Avx512GemmKernel.IsSupported,
            "avx2" => Avx2GemmKernel.IsSupported,
            _ => ScalarGemmKernel.IsSupported,
        };
        if (!supported) Assert.Skip($"The {kernel} GEMM kernel needs instructions this CPU lacks.");
        var rng = new Rng(6);
        foreach (var (n, c, h, w, kh, kw, stride, same, filters) in new[]
                 {
                     (2, 3, 9, 7, 3, 3, 1, true, 5), (3, 2, 8, 8, 3, 3, 2, true, 9), (2, 4, 5, 37, 3, 3, 1, false, 8),
                     (1, 1, 28, 28, 3, 3, 1, false, 32), (4, 5, 6, 5, 1, 1, 2, false, 3), (2, 2, 11, 10, 5, 3, 2, true, 17),
                     (3, 2, 2, 2, 3, 3, 1, true, 4),
                 })
        {
            var (oh, ph) = same ? ((h + stride - 1) / stride, Math.Max(((h + stride - 1) / stride - 1) * stride + kh - h, 0) / 2) : ((h - kh) / stride + 1, 0);
            var (ow, pw) = same ? ((w + stride - 1) / stride, Math.Max(((w + stride - 1) / stride - 1) * stride + kw - w, 0) / 2) : ((w - kw) / stride + 1, 0);
            var shape = Geometry(n, c, h, w, filters, kh, kw, stride, ph, pw, oh, ow);
            using var x = Tensor.FromArray(RandomFloats(rng, n * c * h * w), n, c, h, w);
            using var col = Tensor.Empty(new Shape(shape.ColumnRows, n * oh * ow));
            Engine.Backends.CpuBackend.Im2ColFloat(x, col, shape);
            var weights = RandomFloats(rng, filters * shape.ColumnRows);
            var bias = RandomFloats(rng, filters);
            var expected = new float[filters * n * oh * ow];
            var actual = new float[expected.Length];
            switch (kernel)
            {
                case "avx512":
                    CpuConvGemm.Forward<Avx512GemmKernel>(weights, col.Span<float>(), bias, expected, filters, shape.ColumnRows, n, oh * ow, true);
                    CpuConvGemm.ForwardFromImage<Avx512GemmKernel>(weights, x.Span<float>(), shape, bias, actual, filters, true);
                    break;
                case "avx2":
                    CpuConvGemm.Forward<Avx2GemmKernel>(weights, col.Span<float>(), bias, expected, filters, shape.ColumnRows, n, oh * ow, true);
                    CpuConvGemm.ForwardFromImage<Avx2GemmKernel>(weights, x.Span<float>(), shape, bias, actual, filters, true);
                    break;
                default:
                    CpuConvGemm.Forward<ScalarGemmKernel>(weights, col.Span<float>(), bias, expected, filters, shape.ColumnRows, n, oh * ow, true);
                    CpuConvGemm.ForwardFromImage<ScalarGemmKernel>(weights, x.Span<float>(), shape, bias, actual, filters, true);
                    break;
            }
            Assert.Contains(expected, v => v > 0);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{kernel}: from image differs from im2col + GEMM for {shape}, filters {filters}");
        }
    }

    [Fact]
    public void ConvGemmRejectsShortBuffers()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuConvGemm.Forward(new float[6], new float[6], [], new float[3], 2, 3, 1, 2, false));
        Assert.Contains("y ≥ 4", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CpuConvGemm.Forward(new float[6], new float[5], [], new float[4], 2, 3, 1, 2, false));
    }

    [Fact]
    public void ConvReluGradCheckFloat64()
    {
        var rng = new Rng(77);
        GradCheck.Assert("conv2d_relu k=3 s=1 same", t => Ops.Conv2D(t[0], t[1], t[2], 1, 1, Padding.Same, relu: true),
            TestData.AwayFromZero(rng, 3, 3, 5, 7), TestData.Param(rng, 5, 3, 3, 3), TestData.Param(rng, 5));
        GradCheck.Assert("conv2d_relu k=2 s=2 valid", t => Ops.Conv2D(t[0], t[1], t[2], 2, 2, Padding.Valid, relu: true),
            TestData.AwayFromZero(rng, 3, 2, 5, 7), TestData.Param(rng, 4, 2, 2, 2), TestData.Param(rng, 4));
    }

    /// <summary>An undilated one-group geometry with explicit leading padding and output size.</summary>
    internal static Conv2DGeometry Geometry(int n, int c, int h, int w, int f, int kh, int kw, int stride, int ph, int pw, int oh, int ow) =>
        new() { N = n, C = c, F = f, Groups = 1, H = h, W = w, KH = kh, KW = kw, SH = stride, SW = stride, PH = ph, PW = pw, DH = 1, DW = 1, OH = oh, OW = ow };

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.To(DType.Float32);
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static float[] RandomFloats(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextNormal()).ToArray();
}
