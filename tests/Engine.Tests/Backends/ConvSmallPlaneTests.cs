using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

using static Engine.Tests.Backends.GemmKernelSupport;

namespace Engine.Tests.Backends;

/// <summary>The conv GEMM loops on few columns (small planes: ResNet18's 4×4 and 2×2 layers) and large k
/// (its 512-channel 3×3 layers, k = 4608, above the fused forward's limit CpuConvGemm.MaxK = 4096):
/// - ConvPanelWork's split (fewer panels per item, output row panels split into parts) gives bitwise
///   the old split's values, and the same on one and two threads;
/// - the fused forward (implicit im2col) matches im2col + CpuGemm within float32 rounding (CpuGemm
///   blocks k, so its order differs), every element written, and its stride-1 panels packed by
///   ConvPanelUnfold give bitwise what the general packer's give;
/// - Conv2D in float32 with k above MaxK (composite forward, now with the fused backward passes)
///   matches the float64 composite, forward and every gradient.</summary>
[Collection(AllocationCollection.Name)] // sets CpuParallel.ThreadLimit and ConvPanelWork.Fine
public class ConvSmallPlaneTests
{
    public static readonly TheoryData<string> Kernels = new() { "avx512", "avx2", "scalar" };

    /// <summary>Shapes with few GEMM columns (row parts kick in), filters not a multiple of a tile's rows,
    /// k up to 4096 and not a multiple of anything, strides 1 and 2, 1×1 stride 2, explicit and
    /// asymmetric padding, planes of 1×1..8×8, batch 1 and more (the input gradient also gets k above 4096).</summary>
    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        yield return Conv2DGeometry.Create(new Shape(3, 40, 2, 2), (3, 3), (1, 1), 1, filters: 52);        // 2×2 'same', 12 columns
        yield return Conv2DGeometry.Create(new Shape(1, 24, 4, 4), (3, 3), (1, 1), "same", filters: 70);   // batch 1, 4×4
        yield return Conv2DGeometry.Create(new Shape(4, 24, 4, 4), (3, 3), (2, 2), 1, filters: 33);        // stride-2 entry into 2×2
        yield return Conv2DGeometry.Create(new Shape(4, 20, 4, 4), (1, 1), (2, 2), "valid", filters: 41);  // 1×1 stride-2 shortcut
        yield return Conv2DGeometry.Create(new Shape(5, 16, 8, 8), (3, 3), (1, 1), "same", filters: 19);   // 8×8, 320 columns
        yield return Conv2DGeometry.Create(new Shape(3, 8, 5, 6), (3, 2), (2, 1), ((2, 0), (1, 0)), filters: 17); // asymmetric padding, unequal strides
        yield return Conv2DGeometry.Create(new Shape(2, 6, 5, 5), (3, 3), (1, 1), "valid", filters: 23);   // 3×3 'valid' (the seed CNN's conv3 shape)
        yield return Conv2DGeometry.Create(new Shape(3, 455, 2, 2), (3, 3), (1, 1), "same", filters: 13);  // k = 4095
        yield return Conv2DGeometry.Create(new Shape(1, 400, 1, 1), (3, 3), (1, 1), "same", filters: 11);  // 1×1 plane, one column
    }

    private static IEnumerable<Conv2DGeometry> InputGradGeometries()
    {
        foreach (var g in Geometries()) yield return g;
        yield return Conv2DGeometry.Create(new Shape(3, 13, 2, 2), (3, 3), (1, 1), "same", filters: 520);  // phase k = 4680 > 4096
        yield return Conv2DGeometry.Create(new Shape(2, 9, 3, 3), (3, 3), (2, 2), 1, filters: 600);        // stride 2, phase k up to 2400
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ForwardFromImageMatchesIm2ColThenGemm(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(61);
        foreach (var g in Geometries())
        {
            var columns = g.N * g.OH * g.OW;
            using var x = Tensor.FromArray(RandomFloats(rng, (int)g.InputSize), g.N, g.C, g.H, g.W);
            using var col = Tensor.Empty(new Shape(g.ColumnRows, columns));
            CpuBackend.Im2ColFloat(x, col, g);
            var w = RandomFloats(rng, g.F * g.ColumnRows);
            var bias = RandomFloats(rng, g.F);
            // Composite in float32 (CpuGemm, then the NCHW place, bias and ReLU) and in float64.
            var yT = new float[g.F * columns];
            CpuGemm.Sgemm(false, false, g.F, columns, g.ColumnRows, 1, w, col.Span<float>(), 0, yT);
            var colValues = col.Span<float>().ToArray();
            foreach (var (relu, withBias) in new[] { (false, false), (true, true), (true, false), (false, true) })
            {
                var expected32 = Composite(yT, bias, g, relu, withBias);
                var expected64 = Float64(w, colValues, bias, g, relu, withBias);
                var b = withBias ? bias : [];
                var what = $"{kernel} forward {g} relu {relu} bias {withBias}";
                float[] Run(int threads, bool fine, bool panelUnfold = true) => WithSplit(threads, fine, panelUnfold, () =>
                {
                    var y = Enumerable.Repeat(float.NaN, (int)g.OutputSize + 5).ToArray(); // every element written, none past the end
                    Forward(kernel, w, x.Span<float>().ToArray(), g, b, y, relu);
                    Assert.All(y[(int)g.OutputSize..], v => Assert.True(float.IsNaN(v), $"{what}: wrote past the end of y"));
                    return y[..(int)g.OutputSize];
                });
                var fine1 = Run(1, true);
                TestData.AssertClose(expected32, Doubles(fine1), 1e-4, 1e-4, $"{what}: vs im2col + CpuGemm");
                TestData.AssertClose(expected64, Doubles(fine1), 1e-4, 1e-4, $"{what}: vs float64");
                Assert.True(fine1.AsSpan().SequenceEqual(Run(2, true)), $"{what}: one and two threads differ");
                Assert.True(fine1.AsSpan().SequenceEqual(Run(2, false)), $"{what}: the new split differs from the old one");
                Assert.True(fine1.AsSpan().SequenceEqual(Run(1, true, panelUnfold: false)), $"{what}: ConvPanelUnfold's panels differ from PackFromImage's");
            }
        }
    }

    /// <summary>Negative control: the comparison above sees one changed weight and a padding off by one.</summary>
    [Fact]
    public void ForwardControls()
    {
        var rng = new Rng(62);
        var g = Conv2DGeometry.Create(new Shape(3, 455, 2, 2), (3, 3), (1, 1), "same", filters: 13);
        var x = RandomFloats(rng, (int)g.InputSize);
        var w = RandomFloats(rng, g.F * g.ColumnRows);
        var right = new float[g.OutputSize];
        CpuConvGemm.ForwardFromImage(w, x, g, [], right, g.F, relu: false);
        var changed = (float[])w.Clone();
        changed[g.ColumnRows * 12 + 4000] += 1e-2f; // last filter, centre tap of channel 444
        var wrongWeight = new float[g.OutputSize];
        CpuConvGemm.ForwardFromImage(changed, x, g, [], wrongWeight, g.F, relu: false);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(Doubles(right), Doubles(wrongWeight), 1e-4, 1e-4, "weight changed"));
        var shifted = new float[g.OutputSize];
        CpuConvGemm.ForwardFromImage(w, x, g with { PH = 0 }, [], shifted, g.F, relu: false);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(Doubles(right), Doubles(shifted), 1e-4, 1e-4, "padding off by one"));
        var wide = Conv2DGeometry.Create(new Shape(1, 520, 1, 1), (3, 3), (1, 1), "same", filters: 11); // k = 4680 > MaxK
        var e = Assert.Throws<ArgumentException>(() => CpuConvGemm.ForwardFromImage(new float[11 * 4680], new float[520], wide, [], new float[11], 11, false));
        Assert.Contains("k ≤ 4096", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The transposed-convolution input gradient on the same shapes (where it applies): the new
    /// split is bitwise the old one and one thread is bitwise two; close to dcol GEMM + col2im.</summary>
    [Fact]
    public void InputGradSplitIsBitwiseTheOldSplit()
    {
        var rng = new Rng(63);
        foreach (var g in InputGradGeometries().Where(g => CpuConvGemm.HasInputGrad(g)))
        {
            var w = RandomFloats(rng, g.F * g.ColumnRows);
            var dyT = RandomFloats(rng, (int)g.OutputSize);
            var columns = g.N * g.OH * g.OW;
            var dcol = new float[g.ColumnRows * columns];
            CpuGemm.Sgemm(true, false, g.ColumnRows, columns, g.F, 1, w, dyT, 0, dcol);
            using var dcolT = Tensor.FromArray(dcol, g.ColumnRows, columns);
            using var expected = Tensor.Zeros(new Shape(g.N, g.C, g.H, g.W));
            CpuBackend.Col2ImFloat(dcolT, expected, g);
            float[] Run(int threads, bool fine) => WithSplit(threads, fine, true, () =>
            {
                var dx = Enumerable.Repeat(float.NaN, (int)g.InputSize).ToArray();
                CpuConvGemm.InputGrad(w, dyT, g, dx, assign: true);
                return dx;
            });
            var fine1 = Run(1, true);
            TestData.AssertClose(expected.ToDoubleArray(), Doubles(fine1), 1e-4, 1e-4, $"input gradient {g}");
            Assert.True(fine1.AsSpan().SequenceEqual(Run(2, true)), $"input gradient {g}: one and two threads differ");
            Assert.True(fine1.AsSpan().SequenceEqual(Run(2, false)), $"input gradient {g}: the new split differs from the old one");
        }
    }

    /// <summary>Conv2D in float32 against float64 with k = 4680 and k = 9000, above MaxK: the composite forward
    /// and the fused backward passes (gradient rows, dcol GEMM + col2im as first writer, dW from the kept
    /// col), ReLU on and off, with bias, strides 1 and 2.</summary>
    [Theory]
    [InlineData(520, 1, true)]
    [InlineData(520, 2, false)]
    [InlineData(1000, 1, false)]
    [InlineData(1000, 2, true)]
    public void Conv2DWithLargeKMatchesFloat64(int channels, int stride, bool relu)
    {
        var (n, h, f) = (2, 3, 9);
        var g = Conv2DGeometry.Create(new Shape(n, channels, h, h), (3, 3), (stride, stride), "same", filters: f);
        var rng = new Rng(64);
        var x64 = TestData.Param(rng, n, channels, h, h);
        var w64 = TestData.Param(rng, f, channels, 3, 3);
        var b64 = TestData.Param(rng, f);
        var dy = Tensor.RandomNormal(new Shape(n, f, g.OH, g.OW), rng, dtype: DType.Float64);
        void Run(Tensor x, Tensor w, Tensor b, Tensor d)
        {
            var hidden = Ops.Mul(x, x); // an intermediate, so the conv's dx is its gradient's first writer
            var y = Ops.Conv2D(hidden, w, b, stride, stride, Padding.Same, relu);
            Ops.Sum(Ops.Mul(y, d)).Backward();
        }
        Run(x64, w64, b64, dy);
        var (x32, w32, b32) = (Leaf(x64), Leaf(w64), Leaf(b64));
        Run(x32, w32, b32, dy.To(DType.Float32));
        Assert.False(CpuBackend.FusesConv(x32, g.ColumnRows), $"k = {g.ColumnRows} should take the composite forward");
        var what = $"conv2d k={g.ColumnRows} stride {stride} relu {relu}";
        TestData.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-3, 1e-3, $"{what}: dx");
        TestData.AssertClose(w64.Grad!.ToDoubleArray(), w32.Grad!.ToDoubleArray(), 1e-3, 1e-3, $"{what}: dw");
        TestData.AssertClose(b64.Grad!.ToDoubleArray(), b32.Grad!.ToDoubleArray(), 1e-3, 1e-3, $"{what}: db");
    }

    /// <summary>ResNet18's 512-channel 3×3 layers (k = 4608) keep the composite forward, but take the fused
    /// backward passes (any k in float32 on the CPU).</summary>
    [Fact]
    public void LargeKTakesTheFusedBackwardOnly()
    {
        using var x = Tensor.Zeros(new Shape(1, 512, 2, 2));
        Assert.True(CpuBackend.FusesConv(x, 4096));
        Assert.False(CpuBackend.FusesConv(x, 4608));
        Assert.True(CpuBackend.FusesConvBackward(x));
        using var x64 = Tensor.Zeros(new Shape(1, 512, 2, 2), DType.Float64);
        Assert.False(CpuBackend.FusesConvBackward(x64));
    }

    /// <summary>Where the split cuts: 4 panels (ResNet18's 2×2 layer at batch 32) into 4 column items × 2 row
    /// parts; plenty of panels keep 4 per item and no row parts.</summary>
    [Fact]
    public void SplitGivesBothCoresWorkOnFewColumns()
    {
        var few = new ConvPanelWork(128, 32, 512, 8);
        Assert.Equal((1, 4, 2), (few.PanelsPerItem, few.ColumnItems, few.RowParts));
        Assert.Equal((96, 128, 256, 512), few.Item(7));
        var many = new ConvPanelWork(32 * 1024, 32, 64, 8);
        Assert.Equal((4, 256, 1), (many.PanelsPerItem, many.ColumnItems, many.RowParts));
        var oneRowPanel = new ConvPanelWork(10, 32, 5, 8);
        Assert.Equal((1, 1, 1), (oneRowPanel.PanelsPerItem, oneRowPanel.ColumnItems, oneRowPanel.RowParts));
        Assert.Equal((0, 10, 0, 5), oneRowPanel.Item(0));
    }

    private static double[] Composite(float[] yT, float[] bias, Conv2DGeometry g, bool relu, bool withBias)
    {
        var pixels = g.OH * g.OW;
        var y = new double[g.OutputSize];
        for (var b = 0; b < g.N; b++)
            for (var f = 0; f < g.F; f++)
                for (var p = 0; p < pixels; p++)
                {
                    var v = yT[(long)f * g.N * pixels + b * pixels + p] + (withBias ? bias[f] : 0f);
                    y[((long)b * g.F + f) * pixels + p] = relu && v <= 0 ? 0 : v;
                }
        return y;
    }

    private static double[] Float64(float[] w, float[] col, float[] bias, Conv2DGeometry g, bool relu, bool withBias)
    {
        var (pixels, k) = (g.OH * g.OW, g.ColumnRows);
        var columns = g.N * pixels;
        var y = new double[g.OutputSize];
        for (var f = 0; f < g.F; f++)
            for (var j = 0; j < columns; j++)
            {
                var sum = withBias ? (double)bias[f] : 0;
                for (var q = 0; q < k; q++) sum += (double)w[(long)f * k + q] * col[(long)q * columns + j];
                var (b, p) = Math.DivRem(j, pixels);
                y[((long)b * g.F + f) * pixels + p] = relu ? Math.Max(sum, 0) : sum;
            }
        return y;
    }

    private static void Forward(string kernel, float[] w, float[] x, Conv2DGeometry g, float[] bias, float[] y, bool relu)
    {
        switch (kernel)
        {
            case "avx512": CpuConvGemm.ForwardFromImage<Avx512GemmKernel>(w, x, g, bias, y, g.F, relu); break;
            case "avx2": CpuConvGemm.ForwardFromImage<Avx2GemmKernel>(w, x, g, bias, y, g.F, relu); break;
            default: CpuConvGemm.ForwardFromImage<ScalarGemmKernel>(w, x, g, bias, y, g.F, relu); break;
        }
    }

    private static T WithSplit<T>(int threads, bool fine, bool panelUnfold, Func<T> run)
    {
        var (previousThreads, previousFine, previousUnfold) = (CpuParallel.ThreadLimit, ConvPanelWork.Fine, ConvPanelUnfold.Enabled);
        try
        {
            CpuParallel.ThreadLimit = threads;
            ConvPanelWork.Fine = fine;
            ConvPanelUnfold.Enabled = panelUnfold;
            return run();
        }
        finally
        {
            CpuParallel.ThreadLimit = previousThreads;
            ConvPanelWork.Fine = previousFine;
            ConvPanelUnfold.Enabled = previousUnfold;
        }
    }

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.To(DType.Float32);
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    private static float[] RandomFloats(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextNormal()).ToArray();
}
