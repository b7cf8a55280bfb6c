using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The direct float32 convolution (CpuDirectConv, AVX-512 and AVX2 kernels) against im2col + the
/// fused conv GEMM with the GEMM kernel of the same instruction set: bitwise equal, since both run one FMA chain per output value from zero over the
/// taps in (c, i, j) order with padding taps as zeros, then bias, then ReLU. Also within float32
/// tolerance of a float64 plain loop, independent of the thread count, and usable as the stride-1
/// transposed convolution of the input gradient.</summary>
public class DirectConvTests
{
    // (n, c, h, w, f, kh, kw, stride, padding): 'same', 'valid' and explicit leading padding
    // (-1 = same, -2 = valid, else the padding on both sides); C_in 1/3/16/5; filters not a multiple
    // of the 8-filter block; widths not multiples of 16; stride 1 and 2; 1×1, 3×3, 5×3 kernels;
    // the seed CNN's and ResNet-20's layers; batch 1 (channel blocks split over the cores) and more.
    public static readonly TheoryData<int, int, int, int, int, int, int, int, int> Shapes = new()
    {
        { 2, 1, 28, 28, 32, 3, 3, 1, -2 },   // seed conv1
        { 3, 32, 13, 13, 64, 3, 3, 1, -2 },  // seed conv2
        { 2, 64, 5, 5, 64, 3, 3, 1, -2 },    // seed conv3
        { 2, 16, 32, 32, 16, 3, 3, 1, -1 },  // ResNet-20 stage 1
        { 2, 32, 16, 16, 32, 3, 3, 1, -1 },  // stage 2
        { 2, 64, 8, 8, 64, 3, 3, 1, -1 },    // stage 3
        { 2, 16, 32, 32, 32, 3, 3, 2, -1 },  // stride-2 entry of stage 2
        { 2, 32, 16, 16, 64, 1, 1, 2, -2 },  // 1×1 stride-2 shortcut
        { 1, 3, 9, 7, 5, 3, 3, 1, -1 },
        { 1, 5, 11, 10, 13, 5, 3, 2, -1 },
        { 3, 3, 7, 19, 9, 3, 3, 1, 2 },      // explicit padding wider than 'same'
        { 2, 16, 6, 37, 11, 3, 3, 2, 0 },
        { 4, 2, 2, 2, 4, 3, 3, 1, -1 },      // kernel larger than the image
        { 1, 7, 5, 6, 3, 2, 2, 1, -1 },      // even kernel: uneven 'same' padding
        { 1, 1, 1, 1, 1, 1, 1, 1, -2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EqualsIm2ColThenGemmBitwise(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padding)
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks (the implicit GEMM runs instead).");
        var g = Geometry(n, c, h, w, f, kh, kw, stride, padding);
        var rng = new Rng(41);
        var x = RandomFloats(rng, (int)g.InputSize);
        var weights = RandomFloats(rng, f * g.ColumnRows);
        var bias = RandomFloats(rng, f);
        foreach (var (withBias, relu, avx512) in new[] { (true, true, true), (false, false, true), (true, false, true), (false, true, true), (true, true, false), (false, false, false) })
        {
            if (avx512 ? !Avx512DirectConvKernel.IsSupported : !Avx2DirectConvKernel.IsSupported) continue;
            var b = withBias ? bias : [];
            var expected = Reference(weights, x, g, b, relu, avx512);
            var actual = new float[g.OutputSize + 5];
            Array.Fill(actual, float.NaN); // every element inside must be written; the 5 past the end must not
            if (avx512) CpuDirectConv.Forward<Avx512DirectConvKernel>(weights, x, g, b, actual, relu);
            else CpuDirectConv.Forward<Avx2DirectConvKernel>(weights, x, g, b, actual, relu);
            var what = $"direct conv ({(avx512 ? "avx512" : "avx2")}) {g} bias={withBias} relu={relu}";
            AssertBitwise(expected, actual.AsSpan(0, expected.Length), what);
            Assert.All(actual[expected.Length..], v => Assert.True(float.IsNaN(v), $"{what}: wrote past the end of y"));
            if (relu && expected.Length > 8) Assert.Contains(expected, v => v == 0); // ReLU cut something
            TestData.AssertClose(PlainLoop(weights, x, g, b, relu), actual[..expected.Length].Select(v => (double)v).ToArray(), 1e-4, 1e-4, what);
        }
    }

    /// <summary>Negative control: the bitwise comparison and the float64 one both catch a kernel tap read
    /// one pixel off (padding one more than the geometry says) and a single weight changed slightly.</summary>
    [Fact]
    public void ComparisonsCatchAShiftedTapAndAChangedWeight()
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks.");
        var g = Geometry(2, 3, 9, 7, 5, 3, 3, 1, -1);
        var rng = new Rng(43);
        var x = RandomFloats(rng, (int)g.InputSize);
        var weights = RandomFloats(rng, 5 * g.ColumnRows);
        var expected = Reference(weights, x, g, [], false);
        var shifted = new float[g.OutputSize];
        CpuDirectConv.Forward(weights, x, g with { PW = g.PW + 1 }, [], shifted, false);
        Assert.False(expected.AsSpan().SequenceEqual(shifted));
        Assert.ThrowsAny<Exception>(() => TestData.AssertClose(PlainLoop(weights, x, g, [], false), shifted.Select(v => (double)v).ToArray(), 1e-4, 1e-4, "shifted"));
        var changed = (float[])weights.Clone();
        changed[^1] += 1e-3f;
        var other = new float[g.OutputSize];
        CpuDirectConv.Forward(changed, x, g, [], other, false);
        Assert.False(expected.AsSpan().SequenceEqual(other));
        Assert.ThrowsAny<Exception>(() => TestData.AssertClose(PlainLoop(weights, x, g, [], false), other.Select(v => (double)v).ToArray(), 1e-4, 1e-4, "changed"));
    }

    /// <summary>1 and 2 threads give the same bits, with images as work items (n ≥ 4) and with images ×
    /// filter blocks (n &lt; 4).</summary>
    [Theory]
    [InlineData(8, 16, 32, 32, 16, 1)]
    [InlineData(1, 32, 16, 16, 40, 1)]
    [InlineData(3, 16, 32, 32, 32, 2)]
    public void SameBitsOnOneAndTwoThreads(int n, int c, int h, int w, int f, int stride)
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks.");
        var g = Geometry(n, c, h, w, f, 3, 3, stride, -1);
        Assert.True(2L * g.F * g.ColumnRows * g.OH * g.OW * g.N >= 2_000_000, "the shape must be big enough to run in parallel");
        var rng = new Rng(44);
        var x = RandomFloats(rng, (int)g.InputSize);
        var weights = RandomFloats(rng, f * g.ColumnRows);
        var bias = RandomFloats(rng, f);
        var one = new float[g.OutputSize];
        var two = new float[g.OutputSize];
        try
        {
            CpuParallel.ThreadLimit = 1;
            CpuDirectConv.Forward(weights, x, g, bias, one, true);
            CpuParallel.ThreadLimit = 2;
            CpuDirectConv.Forward(weights, x, g, bias, two, true);
        }
        finally
        {
            CpuParallel.ThreadLimit = null;
        }
        AssertBitwise(one, two, $"1 vs 2 threads {g}");
    }

    /// <summary>The general entry point serves the stride-1 input gradient as a transposed convolution
    /// (flipped kernel, channel axes swapped, padding KH − 1 − PH, reading the [F][N][P] gradient rows in
    /// place): bitwise what CpuConvGemm.InputGrad computes, overwriting or adding into dx.</summary>
    [Theory]
    [InlineData(2, 16, 32, 32, 16, -1)]
    [InlineData(3, 5, 9, 7, 13, -1)]
    [InlineData(2, 32, 13, 13, 64, -2)]
    public void ServesTheTransposedConvolutionOfTheInputGradient(int n, int c, int h, int w, int f, int padding)
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks.");
        var g = Geometry(n, c, h, w, f, 3, 3, 1, padding);
        var rng = new Rng(45);
        var weights = RandomFloats(rng, f * g.ColumnRows);
        var dyT = RandomFloats(rng, (int)g.OutputSize);
        var start = RandomFloats(rng, (int)g.InputSize);
        foreach (var assign in new[] { true, false })
        {
            var expected = (float[])start.Clone();
            if (Avx512GemmKernel.IsSupported) CpuConvGemm.InputGrad<Avx512GemmKernel>(weights, dyT, g, expected, assign);
            else CpuConvGemm.InputGrad<Avx2GemmKernel>(weights, dyT, g, expected, assign);
            var actual = (float[])start.Clone();
            CpuDirectConv.InputGrad(weights, dyT, g, actual, assign);
            AssertBitwise(expected, actual, $"transposed conv {g} assign={assign}");
        }
    }

    /// <summary>Which layers Conv2D's forward sends to the direct kernel (CpuDirectConv.Prefers, from
    /// ConvForwardBenchmarks): 3×3 layers that fill its blocks, not 1×1 kernels nor mostly-thrown-away positions.</summary>
    [Fact]
    public void ShapeRulePicksTheLayersWhereItWins()
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks.");
        Assert.True(CpuDirectConv.Prefers(Geometry(128, 16, 32, 32, 16, 3, 3, 1, -1)), "ResNet-20 stage 1");
        Assert.False(CpuDirectConv.Prefers(Geometry(128, 64, 8, 8, 64, 3, 3, 1, -1)), "ResNet-20 stage 3 (8×8, stride 1: the GEMM)");
        Assert.True(CpuDirectConv.Prefers(Geometry(128, 32, 16, 16, 32, 3, 3, 1, -1)), "ResNet-20 stage 2");
        Assert.True(CpuDirectConv.Prefers(Geometry(128, 32, 16, 16, 64, 3, 3, 2, -1)), "ResNet-20 stride-2 entry into stage 3 (8×8 out)");
        Assert.True(CpuDirectConv.Prefers(Geometry(128, 16, 32, 32, 32, 3, 3, 2, -1)), "ResNet-20 stride-2 entry");
        Assert.False(CpuDirectConv.Prefers(Geometry(128, 16, 32, 32, 32, 1, 1, 2, -2)), "1×1 shortcut");
        Assert.True(CpuDirectConv.Prefers(Geometry(64, 1, 28, 28, 32, 3, 3, 1, -2)), "seed conv1");
        Assert.True(CpuDirectConv.Prefers(Geometry(64, 32, 13, 13, 64, 3, 3, 1, -2)), "seed conv2");
        Assert.True(CpuDirectConv.Prefers(Geometry(128, 3, 32, 32, 16, 3, 3, 1, -1)), "ResNet-20 conv1");
        Assert.False(CpuDirectConv.Prefers(Geometry(64, 64, 5, 5, 64, 3, 3, 1, -2)), "seed conv3");
        Assert.False(CpuDirectConv.Prefers(Geometry(64, 64, 9, 9, 64, 3, 3, 1, -2) with { DH = 2, OH = 5, OW = 5 }), "dilated");
    }

    /// <summary>Ops.Conv2D in float32 on layers the direct kernel serves, forward and backward, against
    /// the float64 composite (the gradients run the existing backward kernels on the direct kernel's y).</summary>
    [Theory]
    [InlineData(3, 16, 12, 20, 16, 1, false)]
    [InlineData(2, 24, 17, 17, 13, 2, true)]
    [InlineData(5, 8, 10, 11, 20, 1, true)]
    public void Conv2DOnTheDirectPathMatchesFloat64(int n, int c, int h, int w, int f, int stride, bool relu)
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks.");
        Assert.True(CpuDirectConv.Prefers(Geometry(n, c, h, w, f, 3, 3, stride, -1)), "the shape must take the direct path");
        var rng = new Rng(46);
        var x64 = TestData.Param(rng, n, c, h, w);
        var w64 = TestData.Param(rng, f, c, 3, 3);
        var b64 = TestData.Param(rng, f);
        var y64 = Ops.Conv2D(x64, w64, b64, stride, stride, Padding.Same);
        if (relu) y64 = Ops.Relu(y64);
        var dy = Tensor.RandomNormal(y64.Shape, rng, dtype: DType.Float64);
        Ops.Sum(Ops.Mul(y64, dy)).Backward();
        var (x32, w32, b32) = (Leaf(x64), Leaf(w64), Leaf(b64));
        var y32 = Ops.Conv2D(x32, w32, b32, stride, stride, Padding.Same, relu);
        Ops.Sum(Ops.Mul(y32, dy.To(DType.Float32))).Backward();
        var what = $"conv2d n={n} c={c} {h}x{w} f={f} s={stride} relu={relu}";
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), 1e-4, 1e-4, $"{what}: y");
        TestData.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-4, 1e-4, $"{what}: dx");
        TestData.AssertClose(w64.Grad!.ToDoubleArray(), w32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: dw");
        TestData.AssertClose(b64.Grad!.ToDoubleArray(), b32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: db");
    }

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.To(DType.Float32);
        leaf.RequiresGrad = true;
        return leaf;
    }

    [Fact]
    public void RejectsShortBuffersAndUnsupportedGeometries()
    {
        if (!CpuDirectConv.IsSupported) Assert.Skip("The direct convolution needs AVX-512 or AVX2 + FMA, which this CPU lacks.");
        var g = Geometry(1, 2, 5, 5, 3, 3, 3, 1, -1);
        var e = Assert.Throws<ArgumentException>(() => CpuDirectConv.Forward(new float[54], new float[50], g, [], new float[74], false));
        Assert.Contains("y ≥ 75", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => CpuDirectConv.Forward(new float[54], new float[49], g, [], new float[75], false));
        Assert.Contains("x must hold 50", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => CpuDirectConv.Forward(new float[54], new float[50], g with { DH = 2 }, [], new float[75], false));
        Assert.Contains("undilated", e.Message, StringComparison.Ordinal);
    }

    /// <summary>im2col, then the fused conv GEMM on its AVX-512 (or AVX2) kernel: the path the direct kernel replaces.</summary>
    private static float[] Reference(float[] weights, float[] x, in Conv2DGeometry g, float[] bias, bool relu, bool? avx512 = null)
    {
        using var xt = Tensor.FromArray(x, g.N, g.C, g.H, g.W);
        using var col = Tensor.Empty(new Shape(g.ColumnRows, g.N * g.OH * g.OW));
        CpuBackend.Im2ColFloat(xt, col, g);
        var y = new float[g.OutputSize];
        if (avx512 ?? Avx512GemmKernel.IsSupported) CpuConvGemm.Forward<Avx512GemmKernel>(weights, col.Span<float>(), bias, y, g.F, g.ColumnRows, g.N, g.OH * g.OW, relu);
        else CpuConvGemm.Forward<Avx2GemmKernel>(weights, col.Span<float>(), bias, y, g.F, g.ColumnRows, g.N, g.OH * g.OW, relu);
        return y;
    }

    /// <summary>The definition, summed in float64.</summary>
    private static double[] PlainLoop(float[] weights, float[] x, Conv2DGeometry g, float[] bias, bool relu)
    {
        var y = new double[g.OutputSize];
        for (var b = 0; b < g.N; b++)
            for (var f = 0; f < g.F; f++)
                for (var oy = 0; oy < g.OH; oy++)
                    for (var ox = 0; ox < g.OW; ox++)
                    {
                        double sum = bias.Length == 0 ? 0 : bias[f];
                        for (var c = 0; c < g.C; c++)
                            for (var i = 0; i < g.KH; i++)
                                for (var j = 0; j < g.KW; j++)
                                {
                                    var (iy, ix) = (oy * g.SH - g.PH + i, ox * g.SW - g.PW + j);
                                    if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                    sum += (double)weights[((f * g.C + c) * g.KH + i) * g.KW + j] * x[((b * g.C + c) * g.H + iy) * g.W + ix];
                                }
                        y[((b * g.F + f) * g.OH + oy) * g.OW + ox] = relu ? Math.Max(sum, 0) : sum;
                    }
        return y;
    }

    private static void AssertBitwise(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: first difference at [{i}]: expected {expected[i]:R}, received {actual[i]:R}.");
    }

    /// <summary>padding -1 = 'same', -2 = 'valid', else that many pixels on every side.</summary>
    private static Conv2DGeometry Geometry(int n, int c, int h, int w, int f, int kh, int kw, int stride, int padding)
    {
        var pad = padding switch { -1 => ConvPadding.Same, -2 => ConvPadding.Valid, _ => ConvPadding.Explicit(padding, padding, padding, padding) };
        return Conv2DGeometry.Create(new Shape(n, c, h, w), (kh, kw), (stride, stride), pad, filters: f);
    }

    private static float[] RandomFloats(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextNormal()).ToArray();
}
