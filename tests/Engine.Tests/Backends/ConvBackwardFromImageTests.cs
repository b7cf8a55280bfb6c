using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

using static Engine.Tests.Backends.GemmKernelSupport;

namespace Engine.Tests.Backends;

/// <summary>The fused float32 conv backward kernels against their composites: the input gradient as a
/// transposed convolution (CpuConvGemm.InputGrad) vs dcol = Wᵀ·dY' then col2im, and the kernel gradient
/// with implicit im2col (CpuConvWeightGrad) vs im2col then dW = dY'·colᵀ. Both change the order of
/// the sums, so they are compared within float32 rounding, and bitwise between one and two threads.
/// Shapes: strides 1 and 2, same and valid padding, 1×1, 3×3 and 5×3 kernels, odd sizes, column
/// panels and chunks crossing images, even kernels with uneven 'same' padding, K = 9 with C = 1 (the
/// transposed weight-gradient form).</summary>
[Collection(AllocationCollection.Name)] // sets CpuParallel.ThreadLimit
public class ConvBackwardFromImageTests
{
    public static readonly TheoryData<string> Kernels = new() { "avx512", "avx2", "scalar" };

    // (n, c, h, w, filters, kh, kw, stride, same)
    private static readonly (int N, int C, int H, int W, int F, int KH, int KW, int S, bool Same)[] Cases =
    [
        (2, 3, 9, 7, 5, 3, 3, 1, true),
        (3, 2, 8, 8, 9, 3, 3, 2, true),
        (2, 4, 5, 37, 8, 3, 3, 1, false),
        (2, 1, 28, 28, 32, 3, 3, 1, false), // the seed CNN's first layer (K = 9), several chunks per slice
        (4, 5, 6, 5, 3, 1, 1, 2, false),
        (3, 6, 7, 9, 4, 1, 1, 1, false),
        (2, 2, 11, 10, 17, 5, 3, 2, true),
        (2, 3, 11, 10, 7, 5, 3, 1, true),
        (3, 2, 2, 2, 4, 3, 3, 1, true),     // kernel larger than the image ('same')
        (2, 3, 7, 9, 4, 2, 2, 1, true),     // even kernels: 'same' pads only after the image
        (2, 2, 8, 6, 3, 4, 4, 1, true),
        (5, 16, 8, 8, 16, 3, 3, 1, true),   // a ResNet-like block, columns cross images inside panels
        (8, 16, 16, 16, 16, 3, 3, 1, true), // big enough to run on two threads (both kernels)
        (8, 1, 28, 28, 32, 3, 3, 1, false), // K = 9 on two threads
    ];

    private static Conv2DGeometry GeometryOf((int N, int C, int H, int W, int F, int KH, int KW, int S, bool Same) t) =>
        Conv2DGeometry.Create(new Shape(t.N, t.C, t.H, t.W), (t.KH, t.KW), (t.S, t.S), t.Same ? "same" : "valid", filters: t.F);

    /// <summary>The input gradient's shapes: every case above, plus the stride phases' corners (the polyphase
    /// split): 1×1 stride 2 (three of four phases have no tap), stride 3 and unequal strides, explicit and
    /// asymmetric padding (a phase's sub-kernel padding can go negative), odd sizes so phases differ in
    /// size, the kernel smaller than the stride, ResNet-20's stride-2 entries and shortcuts, channels not
    /// multiples of a tile's 8 rows, and a phase K above 4096 (F·⌈KH/SH⌉·⌈KW/SW⌉ = 520·9).</summary>
    private static IEnumerable<Conv2DGeometry> InputGradGeometries()
    {
        foreach (var t in Cases) yield return GeometryOf(t);
        yield return Conv2DGeometry.Create(new Shape(2, 5, 9, 7), (1, 1), (2, 2), "valid", filters: 6);
        yield return Conv2DGeometry.Create(new Shape(3, 4, 8, 8), (1, 1), (2, 2), "same", filters: 9);
        yield return Conv2DGeometry.Create(new Shape(2, 3, 11, 13), (3, 3), (3, 3), "same", filters: 5);
        yield return Conv2DGeometry.Create(new Shape(2, 3, 10, 9), (3, 5), (2, 3), "valid", filters: 4);
        yield return Conv2DGeometry.Create(new Shape(2, 3, 9, 10), (3, 3), (2, 2), 1, filters: 7);
        yield return Conv2DGeometry.Create(new Shape(2, 2, 9, 10), (3, 3), (2, 2), ((2, 0), (0, 3)), filters: 3);
        yield return Conv2DGeometry.Create(new Shape(2, 2, 7, 9), (2, 2), (3, 3), ((1, 2), (2, 1)), filters: 3);
        yield return Conv2DGeometry.Create(new Shape(2, 3, 12, 11), (4, 4), (2, 2), "same", filters: 5);
        yield return Conv2DGeometry.Create(new Shape(4, 16, 32, 32), (3, 3), (2, 2), "same", filters: 32); // ResNet-20 entry, two threads
        yield return Conv2DGeometry.Create(new Shape(4, 32, 16, 16), (1, 1), (2, 2), "same", filters: 64); // its shortcut
        yield return Conv2DGeometry.Create(new Shape(2, 3, 5, 5), (3, 3), (1, 1), 1, filters: 520);        // K = 4680 > 4096
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void InputGradEqualsGemmThenCol2Im(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(41);
        foreach (var g in InputGradGeometries())
        {
            var k = g.ColumnRows;
            var columns = g.N * g.OH * g.OW;
            var w = RandomFloats(rng, g.F * k);
            var dyT = RandomFloats(rng, g.F * columns);
            var start = RandomFloats(rng, (int)g.InputSize);

            // Composite: dcol = Wᵀ · dY', then dx (+)= col2im(dcol).
            var dcol = new float[k * columns];
            CpuGemm.Sgemm(true, false, k, columns, g.F, 1, w, dyT, 0, dcol);
            using var dcolT = Tensor.FromArray(dcol, k, columns);
            using var expectedAdd = Tensor.FromArray((float[])start.Clone(), g.N, g.C, g.H, g.W);
            CpuBackend.Col2ImFloat(dcolT, expectedAdd, g);
            using var expectedAssign = Tensor.Zeros(expectedAdd.Shape);
            CpuBackend.Col2ImFloat(dcolT, expectedAssign, g);

            var what = $"{kernel} input gradient {g}";
            foreach (var threads in new[] { 1, 2 })
            {
                var added = WithThreads(threads, () =>
                {
                    var dx = (float[])start.Clone();
                    InputGrad(kernel, w, dyT, g, dx, assign: false);
                    return dx;
                });
                TestData.AssertClose(expectedAdd.ToDoubleArray(), Doubles(added), 1e-4, 1e-5, $"{what}, adding, {threads} thread(s)");
                var assigned = WithThreads(threads, () =>
                {
                    var dx = Enumerable.Repeat(float.NaN, (int)g.InputSize).ToArray(); // assign must ignore old contents
                    InputGrad(kernel, w, dyT, g, dx, assign: true);
                    return dx;
                });
                TestData.AssertClose(expectedAssign.ToDoubleArray(), Doubles(assigned), 1e-4, 1e-5, $"{what}, assigning, {threads} thread(s)");
            }
            var one = WithThreads(1, () => { var dx = (float[])start.Clone(); InputGrad(kernel, w, dyT, g, dx, false); return dx; });
            var two = WithThreads(2, () => { var dx = (float[])start.Clone(); InputGrad(kernel, w, dyT, g, dx, false); return dx; });
            Assert.True(one.AsSpan().SequenceEqual(two), $"{what}: one and two threads differ");
        }
    }

    /// <summary>Negative control: the comparison above can fail (a kernel that ignores the padding shift
    /// or the flip is caught), and adding keeps dx's old contents while assigning does not.</summary>
    [Fact]
    public void InputGradControls()
    {
        var rng = new Rng(42);
        var g = GeometryOf((2, 3, 9, 7, 5, 3, 3, 1, true));
        var w = RandomFloats(rng, g.F * g.ColumnRows);
        var dyT = RandomFloats(rng, (int)g.OutputSize);
        var nan = Enumerable.Repeat(float.NaN, (int)g.InputSize).ToArray();
        CpuConvGemm.InputGrad(w, dyT, g, nan, assign: false);
        Assert.All(nan, v => Assert.True(float.IsNaN(v), "adding must keep the old (NaN) contents"));

        var right = new float[g.InputSize];
        CpuConvGemm.InputGrad(w, dyT, g, right, assign: true);
        var shifted = new float[g.InputSize];
        CpuConvGemm.InputGrad(w, dyT, g with { PH = 0, PW = 0 }, shifted, assign: true);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            TestData.AssertClose(Doubles(right), Doubles(shifted), 1e-5, 1e-5, "padding ignored"));
        var unflipped = (float[])w.Clone();
        for (var f = 0; f < g.F * g.C; f++) Array.Reverse(unflipped, f * 9, 9);
        var wrong = new float[g.InputSize];
        CpuConvGemm.InputGrad(unflipped, dyT, g, wrong, assign: true);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            TestData.AssertClose(Doubles(right), Doubles(wrong), 1e-5, 1e-5, "kernel not flipped"));

        // Stride 2: swapping the two column phases (each phase's values written one pixel over) is caught,
        // and a 1×1 stride-2 gradient assigns zeros to the pixels no tap reaches (NaN contents ignored).
        var s2 = Conv2DGeometry.Create(new Shape(2, 3, 9, 10), (3, 3), (2, 2), "same", filters: 4);
        var w2 = RandomFloats(rng, s2.F * s2.ColumnRows);
        var dz2 = RandomFloats(rng, (int)s2.OutputSize);
        var phased = new float[s2.InputSize];
        CpuConvGemm.InputGrad(w2, dz2, s2, phased, assign: true);
        var swapped = new float[s2.InputSize];
        CpuConvGemm.InputGrad(w2, dz2, s2 with { PW = s2.PW + 1 }, swapped, assign: true);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            TestData.AssertClose(Doubles(phased), Doubles(swapped), 1e-5, 1e-5, "phases swapped"));
        var one = Conv2DGeometry.Create(new Shape(2, 3, 6, 6), (1, 1), (2, 2), "valid", filters: 4);
        var dx1 = Enumerable.Repeat(float.NaN, (int)one.InputSize).ToArray();
        CpuConvGemm.InputGrad(RandomFloats(rng, one.F * one.C), RandomFloats(rng, (int)one.OutputSize), one, dx1, assign: true);
        for (var i = 0; i < dx1.Length; i++)
        {
            var (y, x) = Math.DivRem(i % 36, 6);
            if (y % 2 == 1 || x % 2 == 1) Assert.Equal(0f, dx1[i]);
            else Assert.False(float.IsNaN(dx1[i]) || dx1[i] == 0f, $"1×1 stride 2: dx[{i}] should hold a sum, holds {dx1[i]}");
        }
    }

    /// <summary>Where the dispatch sends a stride-1 input gradient to CpuDirectConv (rows of 16 or more), dx is
    /// bitwise what the AVX-512 transposed-convolution GEMM gives, adding and assigning.</summary>
    [Theory]
    [InlineData(2, 16, 32, 32, 16)]
    [InlineData(3, 32, 16, 16, 32)]
    [InlineData(2, 24, 16, 19, 40)]
    public void DirectInputGradIsBitwiseTheGemmPath(int n, int c, int h, int width, int f)
    {
        if (!Avx512GemmKernel.IsSupported) Assert.Skip("The direct kernel needs AVX-512.");
        var g = Conv2DGeometry.Create(new Shape(n, c, h, width), (3, 3), (1, 1), "same", filters: f);
        Assert.True(CpuConvGemm.PrefersDirectInputGrad(g));
        var rng = new Rng(46);
        var w = RandomFloats(rng, g.F * g.ColumnRows);
        var dyT = RandomFloats(rng, (int)g.OutputSize);
        var start = RandomFloats(rng, (int)g.InputSize);
        foreach (var assign in new[] { true, false })
        {
            var direct = (float[])start.Clone();
            CpuConvGemm.InputGrad(w, dyT, g, direct, assign);
            var gemm = (float[])start.Clone();
            CpuConvGemm.InputGrad<Avx512GemmKernel>(w, dyT, g, gemm, assign);
            Assert.True(direct.AsSpan().SequenceEqual(gemm), $"assign {assign}: the direct and GEMM input gradients differ");
            Assert.False(direct.AsSpan().SequenceEqual(start), "the input gradient changed nothing");
        }
    }

    [Fact]
    public void InputGradRejectsWhatItDoesNotServe()
    {
        var g = Conv2DGeometry.Create(new Shape(3, 2, 8, 8), (3, 3), (1, 1), "same", (2, 2), filters: 9);
        Assert.False(CpuConvGemm.HasInputGrad(g));
        var e = Assert.Throws<ArgumentException>(() =>
            CpuConvGemm.InputGrad(new float[g.F * g.ColumnRows], new float[g.OutputSize], g, new float[g.InputSize], true));
        Assert.Contains("no dilation", e.Message, StringComparison.Ordinal);
        var big = Conv2DGeometry.Create(new Shape(1, 2, 4, 4), (3, 3), (1, 1), "same", filters: 1000); // K = 9000
        Assert.False(CpuConvGemm.HasInputGrad(big));
        Assert.True(CpuConvGemm.HasInputGrad(big with { SH = 2, SW = 2 })); // its phases: K ≤ 1000·2·2
        var one = GeometryOf((2, 3, 9, 7, 5, 3, 3, 1, true));
        e = Assert.Throws<ArgumentException>(() =>
            CpuConvGemm.InputGrad(new float[one.F * one.ColumnRows], new float[one.OutputSize], one, new float[one.InputSize - 1], true));
        Assert.Contains("dx ≥", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void WeightGradEqualsIm2ColThenGemm(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(43);
        foreach (var t in Cases)
        {
            var g = GeometryOf(t);
            var k = g.ColumnRows;
            var columns = g.N * g.OH * g.OW;
            using var x = Tensor.FromArray(RandomFloats(rng, (int)g.InputSize), g.N, g.C, g.H, g.W);
            var dyT = RandomFloats(rng, g.F * columns);
            var start = RandomFloats(rng, g.F * k);

            using var col = Tensor.Empty(new Shape(k, columns));
            CpuBackend.Im2ColFloat(x, col, g);
            var expected = (float[])start.Clone();
            CpuGemm.Sgemm(false, true, g.F, k, columns, 1, dyT, col.Span<float>(), 1, expected);

            var what = $"{kernel} kernel gradient {g}";
            var results = new List<float[]>();
            foreach (var threads in new[] { 1, 2 })
            {
                var dw = WithThreads(threads, () =>
                {
                    var d = (float[])start.Clone();
                    WeightGrad(kernel, dyT, x.Span<float>().ToArray(), g, d);
                    return d;
                });
                TestData.AssertClose(Doubles(expected), Doubles(dw), 1e-4, 1e-5, $"{what}, {threads} thread(s)");
                results.Add(dw);
            }
            Assert.True(results[0].AsSpan().SequenceEqual(results[1]), $"{what}: one and two threads differ");
        }
    }

    /// <summary>Negative control: a kernel gradient taken from the wrong image (x shifted by one pixel)
    /// fails the comparison, so it can fail.</summary>
    [Fact]
    public void WeightGradControl()
    {
        var rng = new Rng(44);
        var g = GeometryOf((2, 3, 9, 7, 5, 3, 3, 1, true));
        var x = RandomFloats(rng, (int)g.InputSize);
        var dyT = RandomFloats(rng, (int)g.OutputSize);
        var right = new float[g.F * g.ColumnRows];
        CpuConvWeightGrad.Run(dyT, x, g, right);
        var wrong = new float[right.Length];
        CpuConvWeightGrad.Run(dyT, x[1..].Append(0f).ToArray(), g, wrong);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(Doubles(right), Doubles(wrong), 1e-4, 1e-5, "shifted x"));
        var e = Assert.Throws<ArgumentException>(() => CpuConvWeightGrad.Run(dyT, x, g, new float[right.Length - 1]));
        Assert.Contains("dw ≥", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Conv2D (float32, fused) takes the transposed-convolution input gradient and the
    /// implicit-im2col kernel gradient (here on a 'same' layer), and matches the float64
    /// composite there: x an intermediate (its gradient's first writer assigns) or with a second consumer
    /// (the conv adds into a gradient that already holds a sum), stride 1 and 2, with and without ReLU.</summary>
    [Theory]
    [InlineData(1, false, true)]
    [InlineData(1, true, false)]
    [InlineData(2, false, false)]
    [InlineData(2, true, true)]
    public void Conv2DOnTheImplicitPathsMatchesFloat64(int stride, bool secondConsumer, bool relu)
    {
        var (n, c, h, w, f) = (2, 3, 18, 34, 5); // output rows of 34 and 17
        var g = Conv2DGeometry.Create(new Shape(n, c, h, w), (3, 3), (stride, stride), "same", filters: f);
        Assert.True(CpuBackend.FusesConvWeightGrad(g), $"{g} should take the implicit kernel gradient");
        Assert.True(CpuBackend.FusesConvInputGrad(g), $"{g} should take the transposed-convolution input gradient");

        var rng = new Rng(45);
        var x64 = TestData.Param(rng, n, c, h, w);
        var w64 = TestData.Param(rng, f, c, 3, 3);
        var b64 = TestData.Param(rng, f);
        var dy = Tensor.RandomNormal(new Shape(n, f, g.OH, g.OW), rng, dtype: DType.Float64);
        var other = Tensor.RandomNormal(x64.Shape, rng, dtype: DType.Float64);

        void Run(Tensor x, Tensor wt, Tensor b, Tensor dyt, Tensor o)
        {
            var hidden = Ops.Mul(x, x); // an intermediate: the conv's dx can be its gradient's first writer
            var y = Ops.Conv2D(hidden, wt, b, stride, stride, Padding.Same, relu);
            var loss = Ops.Sum(Ops.Mul(y, dyt));
            if (secondConsumer) loss = Ops.Add(loss, Ops.Sum(Ops.Mul(hidden, o)));
            loss.Backward();
        }

        Run(x64, w64, b64, dy, other);
        var (x32, w32, b32) = (Leaf(x64), Leaf(w64), Leaf(b64));
        Run(x32, w32, b32, dy.To(DType.Float32), other.To(DType.Float32));
        var what = $"conv2d stride {stride} relu {relu} second consumer {secondConsumer}";
        TestData.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: dx");
        TestData.AssertClose(w64.Grad!.ToDoubleArray(), w32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: dw");
        TestData.AssertClose(b64.Grad!.ToDoubleArray(), b32.Grad!.ToDoubleArray(), 1e-3, 1e-4, $"{what}: db");
    }

    /// <summary>The seed CNN's small 'valid' layers keep GEMM + col2im for dx (faster there) and take the
    /// implicit kernel gradient (faster everywhere once ConvPanelUnfold packs it); ResNet-20's stride-1
    /// layers take both, its 3×3 entry into stage 2 the polyphase dx.</summary>
    [Fact]
    public void WhichLayersTakeTheImplicitPaths()
    {
        foreach (var (input, f) in new[] { (new Shape(64, 1, 28, 28), 32), (new Shape(64, 32, 13, 13), 64), (new Shape(64, 64, 5, 5), 64) })
        {
            var g = Conv2DGeometry.Create(input, (3, 3), (1, 1), "valid", filters: f);
            Assert.False(CpuBackend.FusesConvInputGrad(g), $"seed CNN {g}: input gradient");
            Assert.True(CpuBackend.FusesConvWeightGrad(g), $"seed CNN {g}: kernel gradient");
        }
        var stage1 = Conv2DGeometry.Create(new Shape(128, 16, 32, 32), (3, 3), (1, 1), "same", filters: 16);
        Assert.True(CpuBackend.FusesConvInputGrad(stage1), $"ResNet-20 {stage1}: input gradient");
        Assert.True(CpuBackend.FusesConvWeightGrad(stage1), $"ResNet-20 {stage1}: kernel gradient");
        Assert.Equal(Avx512GemmKernel.IsSupported, CpuConvGemm.PrefersDirectInputGrad(stage1)); // bitwise the same dx either way
        var stage2 = Conv2DGeometry.Create(new Shape(128, 32, 16, 16), (3, 3), (1, 1), "same", filters: 32);
        Assert.Equal(Avx512GemmKernel.IsSupported, CpuConvGemm.PrefersDirectInputGrad(stage2)); // 16-wide rows: direct, bitwise the same dx
        Assert.True(CpuBackend.FusesConvInputGrad(stage2), $"ResNet-20 {stage2}: input gradient");
        Assert.True(CpuBackend.FusesConvWeightGrad(stage2), $"ResNet-20 {stage2}: kernel gradient");
        var stage3 = Conv2DGeometry.Create(new Shape(128, 64, 8, 8), (3, 3), (1, 1), "same", filters: 64);
        Assert.True(CpuBackend.FusesConvInputGrad(stage3), $"ResNet-20 {stage3}: input gradient");
        Assert.False(CpuConvGemm.PrefersDirectInputGrad(stage3), $"ResNet-20 {stage3}: direct input gradient (8-wide rows lose)");
        // Stride 2: the 3×3 entry into stage 2 (16-wide phase rows) takes the polyphase split; the entry into
        // stage 3 (8-wide) and the 1×1 shortcuts keep GEMM + col2im.
        var entry2 = Conv2DGeometry.Create(new Shape(128, 16, 32, 32), (3, 3), (2, 2), "same", filters: 32);
        Assert.True(CpuBackend.FusesConvInputGrad(entry2), $"ResNet-20 {entry2}: input gradient");
        var entry3 = Conv2DGeometry.Create(new Shape(128, 32, 16, 16), (3, 3), (2, 2), "same", filters: 64);
        Assert.False(CpuBackend.FusesConvInputGrad(entry3), $"ResNet-20 {entry3}: input gradient");
        var shortcut = Conv2DGeometry.Create(new Shape(128, 16, 32, 32), (1, 1), (2, 2), "same", filters: 32);
        Assert.False(CpuBackend.FusesConvInputGrad(shortcut), $"ResNet-20 {shortcut}: input gradient");
        Assert.True(CpuBackend.FusesConvWeightGrad(stage3), $"ResNet-20 {stage3}: kernel gradient");
        var dilated = Conv2DGeometry.Create(new Shape(2, 16, 32, 32), (3, 3), (1, 1), "same", (2, 2), filters: 16);
        Assert.False(CpuBackend.FusesConvWeightGrad(dilated), $"{dilated}: kernel gradient (dilated)");
        // ResNet18 at 64×64: its 4×4 and 2×2 layers and the strided entries keep col (4-wide rows tied, 2-wide lost).
        var r18Layer3 = Conv2DGeometry.Create(new Shape(32, 256, 4, 4), (3, 3), (1, 1), 1, filters: 256);
        Assert.False(CpuBackend.FusesConvInputGrad(r18Layer3), $"ResNet18 {r18Layer3}: input gradient");
        var r18Layer4 = Conv2DGeometry.Create(new Shape(32, 512, 2, 2), (3, 3), (1, 1), 1, filters: 512);
        Assert.False(CpuBackend.FusesConvInputGrad(r18Layer4), $"ResNet18 {r18Layer4}: input gradient");
        var r18Entry3 = Conv2DGeometry.Create(new Shape(32, 128, 8, 8), (3, 3), (2, 2), 1, filters: 256);
        Assert.False(CpuBackend.FusesConvInputGrad(r18Entry3), $"ResNet18 {r18Entry3}: input gradient");
        var wide = Conv2DGeometry.Create(new Shape(2, 512, 4, 4), (3, 3), (1, 1), "same", filters: 8);
        Assert.False(CpuBackend.FusesConvWeightGrad(wide), $"{wide}: kernel gradient (K = 4608)");
    }

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.To(DType.Float32);
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static void InputGrad(string kernel, float[] w, float[] dyT, Conv2DGeometry g, float[] dx, bool assign)
    {
        switch (kernel)
        {
            case "avx512": CpuConvGemm.InputGrad<Avx512GemmKernel>(w, dyT, g, dx, assign); break;
            case "avx2": CpuConvGemm.InputGrad<Avx2GemmKernel>(w, dyT, g, dx, assign); break;
            default: CpuConvGemm.InputGrad<ScalarGemmKernel>(w, dyT, g, dx, assign); break;
        }
    }

    private static void WeightGrad(string kernel, float[] dyT, float[] x, Conv2DGeometry g, float[] dw)
    {
        switch (kernel)
        {
            case "avx512": CpuConvWeightGrad.Run<Avx512GemmKernel>(dyT, x, g, dw); break;
            case "avx2": CpuConvWeightGrad.Run<Avx2GemmKernel>(dyT, x, g, dw); break;
            default: CpuConvWeightGrad.Run<ScalarGemmKernel>(dyT, x, g, dw); break;
        }
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    private static float[] RandomFloats(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextNormal()).ToArray();
}
