using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

using static Engine.Tests.Backends.GemmKernelSupport;

namespace Engine.Tests.Backends;

/// <summary>ConvTapGemm (convolution forward and input gradient as per-tap GEMMs that skip the padding): against
/// a float64 loop over the definition and against the composite it replaces (im2col + CpuGemm; dcol GEMM +
/// col2im) at float32 tolerance, on every GEMM kernel the machine has; every output element written and
/// nothing past the end; one and two threads bitwise equal; negative controls; the plan's tap classes.</summary>
[Collection(AllocationCollection.Name)] // sets CpuParallel.ThreadLimit
public class ConvTapGemmTests
{
    public static readonly TheoryData<string> Kernels = new() { "avx512", "avx2", "scalar" };

    /// <summary>2×2, 3×3, 4×4, 1×1 planes; 1×1, 3×3 and 3×2 kernels; strides 1 and 2 (and unequal); padding
    /// 0, 1, 'same', asymmetric, and wider than a 1×1 kernel reaches (outputs no tap reaches); batch 1, 33
    /// (panels cross positions) and more; channels and filters not multiples of 8 or 16; k = C·9 above 4096.</summary>
    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        yield return Conv2DGeometry.Create(new Shape(3, 40, 2, 2), (3, 3), (1, 1), 1, filters: 52);         // 2×2, pad 1
        yield return Conv2DGeometry.Create(new Shape(33, 37, 2, 2), (3, 3), (1, 1), 1, filters: 45);        // batch 33
        yield return Conv2DGeometry.Create(new Shape(1, 24, 4, 4), (3, 3), (1, 1), "same", filters: 70);    // batch 1, 4×4
        yield return Conv2DGeometry.Create(new Shape(2, 17, 3, 3), (3, 3), (1, 1), 1, filters: 19);         // odd 3×3 plane
        yield return Conv2DGeometry.Create(new Shape(4, 24, 4, 4), (3, 3), (2, 2), 1, filters: 33);         // stride-2 entry into 2×2
        yield return Conv2DGeometry.Create(new Shape(3, 21, 8, 8), (3, 3), (2, 2), 1, filters: 26);         // stride-2 entry into 4×4
        yield return Conv2DGeometry.Create(new Shape(4, 20, 4, 4), (1, 1), (2, 2), "valid", filters: 41);   // 1×1 stride-2 shortcut
        yield return Conv2DGeometry.Create(new Shape(3, 9, 5, 5), (1, 1), (2, 2), "valid", filters: 10);    // 1×1 stride 2, odd plane
        yield return Conv2DGeometry.Create(new Shape(2, 5, 3, 3), (1, 1), (1, 1), 1, filters: 7);           // border outputs reached by no tap
        yield return Conv2DGeometry.Create(new Shape(3, 8, 5, 6), (3, 2), (2, 1), ((2, 0), (1, 0)), filters: 17); // asymmetric padding, unequal strides
        yield return Conv2DGeometry.Create(new Shape(2, 6, 5, 5), (3, 3), (1, 1), "valid", filters: 23);    // pad 0
        yield return Conv2DGeometry.Create(new Shape(3, 520, 2, 2), (3, 3), (1, 1), "same", filters: 13);   // k = 4680 > 4096
        yield return Conv2DGeometry.Create(new Shape(1, 400, 1, 1), (3, 3), (1, 1), "same", filters: 11);   // 1×1 plane
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void ForwardMatchesFloat64AndIm2ColGemm(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(71);
        foreach (var g in Geometries())
        {
            var x = RandomFloats(rng, (int)g.InputSize);
            var w = RandomFloats(rng, g.F * g.ColumnRows);
            var bias = RandomFloats(rng, g.F);
            var composite = CompositeForward(w, x, g);
            foreach (var (relu, withBias) in new[] { (false, false), (true, true), (true, false), (false, true) })
            {
                var what = $"{kernel} forward {g} relu {relu} bias {withBias}";
                var b = withBias ? bias : [];
                float[] Run(int threads) => WithThreads(threads, () =>
                {
                    var y = Enumerable.Repeat(float.NaN, (int)g.OutputSize + 5).ToArray();
                    Forward(kernel, w, x, g, b, y, relu);
                    Assert.All(y[(int)g.OutputSize..], v => Assert.True(float.IsNaN(v), $"{what}: wrote past the end of y"));
                    return y[..(int)g.OutputSize];
                });
                var one = Run(1);
                var expected = ReferenceForward(w, x, g, withBias ? bias : null, relu);
                TestData.AssertClose(expected, Doubles(one), 1e-4, 1e-4, $"{what}: vs float64");
                var composite32 = composite.Select((v, i) => Act(v + (withBias ? bias[i / (g.OH * g.OW) % g.F] : 0f), relu)).ToArray();
                TestData.AssertClose(composite32, Doubles(one), 1e-4, 1e-4, $"{what}: vs im2col + CpuGemm");
                Assert.True(one.AsSpan().SequenceEqual(Run(2)), $"{what}: one and two threads differ");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void InputGradMatchesFloat64AndGemmCol2Im(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(72);
        foreach (var g in Geometries())
        {
            var w = RandomFloats(rng, g.F * g.ColumnRows);
            var dyT = RandomFloats(rng, (int)g.OutputSize);
            var start = RandomFloats(rng, (int)g.InputSize);
            var composite = CompositeInputGrad(w, dyT, g);
            var expected = ReferenceInputGrad(w, dyT, g);
            foreach (var assign in new[] { true, false })
            {
                var what = $"{kernel} input gradient {g} assign {assign}";
                float[] Run(int threads) => WithThreads(threads, () =>
                {
                    var dx = assign ? Enumerable.Repeat(float.NaN, (int)g.InputSize + 5).ToArray() : [.. start, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN];
                    InputGrad(kernel, w, dyT, g, dx, assign);
                    Assert.All(dx[(int)g.InputSize..], v => Assert.True(float.IsNaN(v), $"{what}: wrote past the end of dx"));
                    return dx[..(int)g.InputSize];
                });
                var one = Run(1);
                var offset = assign ? new double[g.InputSize] : Doubles(start);
                TestData.AssertClose(expected.Select((v, i) => v + offset[i]).ToArray(), Doubles(one), 1e-4, 1e-4, $"{what}: vs float64");
                TestData.AssertClose(composite.Select((v, i) => v + offset[i]).ToArray(), Doubles(one), 1e-4, 1e-4, $"{what}: vs dcol GEMM + col2im");
                Assert.True(one.AsSpan().SequenceEqual(Run(2)), $"{what}: one and two threads differ");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void WeightGradMatchesFloat64AndIm2ColGemm(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(75);
        foreach (var g in Geometries())
        {
            var x = RandomFloats(rng, (int)g.InputSize);
            var dyT = RandomFloats(rng, (int)g.OutputSize);
            var start = RandomFloats(rng, g.F * g.ColumnRows);
            var expected = ReferenceWeightGrad(dyT, x, g).Select((v, i) => v + start[i]).ToArray();
            var columns = g.N * g.OH * g.OW;
            using var xt = Tensor.FromArray(x, g.N, g.C, g.H, g.W);
            using var col = Tensor.Empty(new Shape(g.ColumnRows, columns));
            CpuBackend.Im2ColFloat(xt, col, g);
            var composite = (float[])start.Clone();
            CpuGemm.Sgemm(false, true, g.F, g.ColumnRows, columns, 1, dyT, col.Span<float>(), 1, composite);
            var what = $"{kernel} weight gradient {g}";
            float[] Run(int threads) => WithThreads(threads, () =>
            {
                float[] dw = [.. start, float.NaN, float.NaN, float.NaN];
                WeightGrad(kernel, dyT, x, g, dw);
                Assert.All(dw[start.Length..], v => Assert.True(float.IsNaN(v), $"{what}: wrote past the end of dw"));
                return dw[..start.Length];
            });
            var one = Run(1);
            TestData.AssertClose(expected, Doubles(one), 1e-4, 1e-4, $"{what}: vs float64");
            TestData.AssertClose(Doubles(composite), Doubles(one), 1e-4, 1e-4, $"{what}: vs im2col + CpuGemm");
            Assert.True(one.AsSpan().SequenceEqual(Run(2)), $"{what}: one and two threads differ");
        }
    }

    /// <summary>Negative control for the weight gradient: a changed x value and a padding off by one are seen.</summary>
    [Fact]
    public void WeightGradControls()
    {
        var rng = new Rng(76);
        var g = Conv2DGeometry.Create(new Shape(3, 40, 2, 2), (3, 3), (1, 1), 1, filters: 52);
        var x = RandomFloats(rng, (int)g.InputSize);
        var dyT = RandomFloats(rng, (int)g.OutputSize);
        var expected = ReferenceWeightGrad(dyT, x, g);
        var right = new float[g.F * g.ColumnRows];
        ConvTapWeightGrad.Run(dyT, x, g, right);
        TestData.AssertClose(expected, Doubles(right), 1e-4, 1e-4, "right");
        var changed = (float[])x.Clone();
        changed[77] += 1e-2f;
        var wrongX = new float[right.Length];
        ConvTapWeightGrad.Run(dyT, changed, g, wrongX);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(expected, Doubles(wrongX), 1e-4, 1e-4, "x changed"));
        var shifted = new float[right.Length];
        ConvTapWeightGrad.Run(dyT, x, g with { PW = 0 }, shifted);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(expected, Doubles(shifted), 1e-4, 1e-4, "padding off by one"));
    }

    /// <summary>Negative controls: the comparisons above see one changed weight, a padding off by one, and a
    /// transposed pass that forgets the stride.</summary>
    [Fact]
    public void Controls()
    {
        var rng = new Rng(73);
        var g = Conv2DGeometry.Create(new Shape(3, 520, 2, 2), (3, 3), (1, 1), "same", filters: 13);
        var x = RandomFloats(rng, (int)g.InputSize);
        var w = RandomFloats(rng, g.F * g.ColumnRows);
        var expected = ReferenceForward(w, x, g, null, relu: false);
        var right = new float[g.OutputSize];
        ConvTapGemm.Forward(w, x, g, [], right, relu: false);
        TestData.AssertClose(expected, Doubles(right), 1e-4, 1e-4, "right");
        var changed = (float[])w.Clone();
        changed[g.ColumnRows * 12 + 4000] += 1e-2f; // last filter, channel 444, a tap inside the image
        var wrongWeight = new float[g.OutputSize];
        ConvTapGemm.Forward(changed, x, g, [], wrongWeight, relu: false);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(expected, Doubles(wrongWeight), 1e-4, 1e-4, "weight changed"));
        var shifted = new float[g.OutputSize];
        ConvTapGemm.Forward(w, x, g with { PH = 0 }, [], shifted, relu: false);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(expected, Doubles(shifted), 1e-4, 1e-4, "padding off by one"));

        var strided = Conv2DGeometry.Create(new Shape(2, 6, 4, 4), (3, 3), (2, 2), 1, filters: 5);
        var ws = RandomFloats(rng, strided.F * strided.ColumnRows);
        var dyT = RandomFloats(rng, (int)strided.OutputSize);
        var dx = new float[strided.InputSize];
        ConvTapGemm.InputGrad(ws, dyT, strided, dx, assign: true);
        TestData.AssertClose(ReferenceInputGrad(ws, dyT, strided), Doubles(dx), 1e-4, 1e-4, "strided right");
        var unstrided = strided with { SH = 1, SW = 1 }; // same OH, OW: reads the same dy, wrong phases
        var wrong = new float[strided.InputSize];
        ConvTapGemm.InputGrad(ws, dyT, unstrided, wrong, assign: true);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestData.AssertClose(ReferenceInputGrad(ws, dyT, strided), Doubles(wrong), 1e-4, 1e-4, "stride forgotten"));
        var e = Assert.Throws<ArgumentException>(() => ConvTapGemm.Forward(w, x, g, [], new float[g.OutputSize - 1], relu: false));
        Assert.Contains("y ≥", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The classes: a 3×3 'same' kernel on 2×2 has four one-position classes of four taps (4/9 of
    /// im2col's work), on 4×4 nine classes (100/144); the input gradient of a 1×1 stride-2 kernel leaves the
    /// odd rows and columns with no tap; a stride-2 entry's input gradient falls into phases.</summary>
    [Fact]
    public void PlanGroupsPositionsByTheirTaps()
    {
        var twoByTwo = ConvTapPlan.For(Conv2DGeometry.Create(new Shape(32, 512, 2, 2), (3, 3), (1, 1), 1, filters: 512), ConvTapPlan.Pass.Forward);
        Assert.Equal(4, twoByTwo.Classes.Length);
        Assert.All(twoByTwo.Classes, c => Assert.Equal((1, 4), (c.Positions.Length, c.Taps.Length)));
        Assert.Equal([4, 5, 7, 8], twoByTwo.Classes[0].Taps); // top-left output: centre, right, below, below right
        Assert.Equal(4.0 / 9, twoByTwo.ValidShare, 12);
        var fourByFour = ConvTapPlan.For(Conv2DGeometry.Create(new Shape(32, 256, 4, 4), (3, 3), (1, 1), 1, filters: 256), ConvTapPlan.Pass.Forward);
        Assert.Equal(9, fourByFour.Classes.Length);
        Assert.Equal(100.0 / 144, fourByFour.ValidShare, 12);
        var shortcut = ConvTapPlan.For(Conv2DGeometry.Create(new Shape(2, 8, 4, 4), (1, 1), (2, 2), "valid", filters: 8), ConvTapPlan.Pass.InputGrad);
        Assert.Equal(12, shortcut.Classes.Where(c => c.Taps.Length == 0).Sum(c => c.Positions.Length)); // 16 dx pixels, 4 reached
        var entry = ConvTapPlan.For(Conv2DGeometry.Create(new Shape(2, 8, 4, 4), (3, 3), (2, 2), 1, filters: 8), ConvTapPlan.Pass.InputGrad);
        Assert.Equal([4], entry.Classes[0].Taps); // dx (0, 0) gets dy (0, 0) through the centre tap only
        Assert.Equal(25.0 / (16 * 9), entry.ValidShare, 12); // 5 of 6 (dy row, tap row) pairs land inside, squared
    }

    /// <summary>Conv2D in float32 on the shapes routed to ConvTapGemm / ConvTapWeightGrad (forward and dW on ≤ 2×2
    /// outputs, dx on ≤ 4×4 inputs) against the float64 composite: y, dx (as first writer), dw and db; ReLU on and off, strides 1
    /// and 2, channels above 455 (k = C·9 > 4096), batch 1 and 3.</summary>
    [Theory]
    [InlineData(3, 13, 2, 1, 7, true)]    // 2×2 'same': forward and dx by taps
    [InlineData(1, 460, 2, 1, 9, false)]  // k = 4140 > 4096, batch 1
    [InlineData(3, 11, 4, 2, 6, false)]   // stride-2 entry into 2×2: forward and dx by taps
    [InlineData(2, 10, 4, 1, 5, true)]    // 4×4: dx by taps, forward on its old path
    [InlineData(2, 6, 3, 1, 12, true)]    // 3×3 odd plane
    public void Conv2DOnSmallPlanesMatchesFloat64(int n, int channels, int size, int stride, int filters, bool relu)
    {
        var g = Conv2DGeometry.Create(new Shape(n, channels, size, size), (3, 3), (stride, stride), 1, filters: filters);
        using var probe = Tensor.Zeros(new Shape(n, channels, size, size));
        Assert.True(CpuBackend.ConvInputGradByTaps(g), $"{g}: dx should run by taps");
        Assert.Equal(g.OH * g.OW <= 4, CpuBackend.ConvForwardByTaps(probe, g));
        var rng = new Rng(74);
        var x64 = TestData.Param(rng, n, channels, size, size);
        var w64 = TestData.Param(rng, filters, channels, 3, 3);
        var b64 = TestData.Param(rng, filters);
        using var dy = Tensor.RandomNormal(new Shape(n, filters, g.OH, g.OW), rng, dtype: DType.Float64);
        Tensor Run(Tensor x, Tensor w, Tensor b, Tensor d)
        {
            var hidden = Engine.Autograd.Ops.Mul(x, x); // an intermediate, so the conv's dx is its gradient's first writer
            var y = Engine.Autograd.Ops.Conv2D(hidden, w, b, stride, stride, (ConvPadding)1, 1, 1, 1, relu);
            Engine.Autograd.Ops.Sum(Engine.Autograd.Ops.Mul(y, d)).Backward();
            return y;
        }
        var y64 = Run(x64, w64, b64, dy);
        var (x32, w32, b32) = (Leaf(x64), Leaf(w64), Leaf(b64));
        var y32 = Run(x32, w32, b32, dy.To(DType.Float32));
        var what = $"conv2d {g} relu {relu}";
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), 1e-3, 1e-3, $"{what}: y");
        TestData.AssertClose(x64.Grad!.ToDoubleArray(), x32.Grad!.ToDoubleArray(), 1e-3, 1e-3, $"{what}: dx");
        TestData.AssertClose(w64.Grad!.ToDoubleArray(), w32.Grad!.ToDoubleArray(), 1e-3, 1e-3, $"{what}: dw");
        TestData.AssertClose(b64.Grad!.ToDoubleArray(), b32.Grad!.ToDoubleArray(), 1e-3, 1e-3, $"{what}: db");
    }

    /// <summary>The routing rule: ResNet18's small-plane layers take the taps; the seed CNN's layers (28×28,
    /// 13×13, 5×5 inputs), ResNet-20's 8×8 stage and 1×1 shortcuts keep their paths.</summary>
    [Fact]
    public void RuleTakesSmallPlanesOnly()
    {
        using var x = Tensor.Zeros(new Shape(1, 1, 2, 2));
        Conv2DGeometry G(int n, int c, int size, int k, int stride, ConvPadding pad, int f) =>
            Conv2DGeometry.Create(new Shape(n, c, size, size), (k, k), (stride, stride), pad, filters: f);
        var layer4 = G(32, 512, 2, 3, 1, 1, 512);
        var entry4 = G(32, 256, 4, 3, 2, 1, 512);
        var layer3 = G(32, 256, 4, 3, 1, 1, 256);
        Assert.True(CpuBackend.ConvForwardByTaps(x, layer4) && CpuBackend.ConvForwardByTaps(x, entry4));
        Assert.False(CpuBackend.ConvForwardByTaps(x, layer3));
        Assert.True(CpuBackend.ConvWeightGradByTaps(layer4) && CpuBackend.ConvWeightGradByTaps(entry4));
        Assert.False(CpuBackend.ConvWeightGradByTaps(layer3));
        Assert.True(CpuBackend.ConvInputGradByTaps(layer4) && CpuBackend.ConvInputGradByTaps(entry4) && CpuBackend.ConvInputGradByTaps(layer3));
        Assert.False(CpuBackend.ConvInputGradByTaps(G(32, 128, 8, 3, 2, 1, 256)));           // entry into 4×4 from 8×8
        Assert.False(CpuBackend.ConvInputGradByTaps(G(32, 256, 4, 1, 2, 0, 512)));           // 1×1 shortcut
        Assert.False(CpuBackend.ConvForwardByTaps(x, G(32, 256, 4, 1, 2, 0, 512)));
        Assert.False(CpuBackend.ConvInputGradByTaps(G(128, 64, 8, 3, 1, 1, 64)));            // ResNet-20 stage 3
        foreach (var seed in new[] { G(64, 1, 28, 3, 1, "valid", 32), G(64, 32, 13, 3, 1, "valid", 64), G(64, 64, 5, 3, 1, "valid", 64) })
        {
            Assert.False(CpuBackend.ConvForwardByTaps(x, seed), $"seed CNN {seed}");
            Assert.False(CpuBackend.ConvInputGradByTaps(seed), $"seed CNN {seed}");
            Assert.False(CpuBackend.ConvWeightGradByTaps(seed), $"seed CNN {seed}");
        }
        using var x64 = Tensor.Zeros(new Shape(1, 1, 2, 2), DType.Float64);
        Assert.False(CpuBackend.ConvForwardByTaps(x64, layer4)); // float64 (gradient checks) keeps the composite
    }

    /// <summary>A training step whose convolutions take every tap path (ResNet-20 on 8×8: stages at 8×8, 4×4 and
    /// 2×2, so forward and dW by taps on the 2×2 stage and its stride-2 entry, dx by taps on 4×4 and 2×2 inputs)
    /// allocates no managed memory once warm, on the calling thread or the helpers.</summary>
    [Fact]
    public void TapPathsAllocateNothingPerStep()
    {
        var g = Conv2DGeometry.Create(new Shape(3, 64, 2, 2), (3, 3), (1, 1), 1, filters: 64);
        using (var probe = Tensor.Zeros(new Shape(1, 1, 1, 1))) Assert.True(CpuBackend.ConvForwardByTaps(probe, g));
        var rng = new Rng(5);
        using var x = Tensor.RandomNormal(new Shape(3, 3, 8, 8), rng);
        using var y = Tensor.FromArray(new[] { 0, 1, 2 });
        using var model = Engine.Applications.ResNet20(inputShape: [3, 8, 8], classes: 4, classifierActivation: "linear", seed: 1);
        model.Compile(optimizer: "adam", loss: new Engine.Losses.SparseCategoricalCrossentropy(fromLogits: true));
        using var reuse = TensorRecycler.ReuseWhilePoisoned();
        var logs = new Dictionary<string, double>();
        for (var i = 0; i < 4; i++) model.TrainOnBatchInto(logs, x, y);
        var (caller, helpers) = (0L, 0L);
        for (var window = 0; window < 3; window++) // a late helper may grow its buffers in the first window only
        {
            var (helpersBefore, before) = (CpuParallel.HelperAllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            for (var i = 0; i < 5; i++) model.TrainOnBatchInto(logs, x, y);
            caller = Math.Max(caller, GC.GetAllocatedBytesForCurrentThread() - before);
            helpers = CpuParallel.HelperAllocatedBytes - helpersBefore;
            if (helpers == 0) break;
        }
        Assert.True(double.IsFinite(logs["loss"]), "the steps reported a loss");
        Assert.True(caller == 0 && helpers == 0, $"{caller:N0} bytes on the calling thread, {helpers:N0} on the helpers over 5 steps (expected 0 and 0)");
    }

    private static Tensor Leaf(Tensor t)
    {
        var leaf = t.To(DType.Float32);
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static double Act(double v, bool relu) => relu && v <= 0 ? 0 : v;

    private static double[] ReferenceForward(float[] w, float[] x, Conv2DGeometry g, float[]? bias, bool relu)
    {
        var y = new double[g.OutputSize];
        for (var b = 0; b < g.N; b++)
            for (var f = 0; f < g.F; f++)
                for (var oy = 0; oy < g.OH; oy++)
                    for (var ox = 0; ox < g.OW; ox++)
                    {
                        double sum = bias?[f] ?? 0;
                        for (var c = 0; c < g.C; c++)
                            for (var i = 0; i < g.KH; i++)
                                for (var j = 0; j < g.KW; j++)
                                {
                                    var (iy, ix) = (oy * g.SH - g.PH + i, ox * g.SW - g.PW + j);
                                    if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                    sum += (double)w[((f * g.C + c) * g.KH + i) * g.KW + j] * x[((b * g.C + c) * g.H + iy) * g.W + ix];
                                }
                        y[((b * g.F + f) * g.OH + oy) * g.OW + ox] = Act(sum, relu);
                    }
        return y;
    }

    /// <summary>dx from dyT [F, N·OH·OW], scattering each output's gradient back along the forward's taps.</summary>
    private static double[] ReferenceInputGrad(float[] w, float[] dyT, Conv2DGeometry g)
    {
        var dx = new double[g.InputSize];
        var pixels = g.OH * g.OW;
        for (var b = 0; b < g.N; b++)
            for (var f = 0; f < g.F; f++)
                for (var oy = 0; oy < g.OH; oy++)
                    for (var ox = 0; ox < g.OW; ox++)
                    {
                        double d = dyT[(f * g.N + b) * pixels + oy * g.OW + ox];
                        for (var c = 0; c < g.C; c++)
                            for (var i = 0; i < g.KH; i++)
                                for (var j = 0; j < g.KW; j++)
                                {
                                    var (iy, ix) = (oy * g.SH - g.PH + i, ox * g.SW - g.PW + j);
                                    if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                    dx[((b * g.C + c) * g.H + iy) * g.W + ix] += w[((f * g.C + c) * g.KH + i) * g.KW + j] * d;
                                }
                    }
        return dx;
    }

    /// <summary>dw[f, c, i, j] = Σ over images and outputs of dy · the input pixel the tap reads.</summary>
    private static double[] ReferenceWeightGrad(float[] dyT, float[] x, Conv2DGeometry g)
    {
        var dw = new double[g.F * g.ColumnRows];
        var pixels = g.OH * g.OW;
        for (var f = 0; f < g.F; f++)
            for (var b = 0; b < g.N; b++)
                for (var oy = 0; oy < g.OH; oy++)
                    for (var ox = 0; ox < g.OW; ox++)
                    {
                        double d = dyT[(f * g.N + b) * pixels + oy * g.OW + ox];
                        for (var c = 0; c < g.C; c++)
                            for (var i = 0; i < g.KH; i++)
                                for (var j = 0; j < g.KW; j++)
                                {
                                    var (iy, ix) = (oy * g.SH - g.PH + i, ox * g.SW - g.PW + j);
                                    if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                    dw[((f * g.C + c) * g.KH + i) * g.KW + j] += d * x[((b * g.C + c) * g.H + iy) * g.W + ix];
                                }
                    }
        return dw;
    }

    /// <summary>What Conv2D's composite forward computes before bias: im2col, CpuGemm, to NCHW.</summary>
    private static float[] CompositeForward(float[] w, float[] x, Conv2DGeometry g)
    {
        var columns = g.N * g.OH * g.OW;
        using var xt = Tensor.FromArray(x, g.N, g.C, g.H, g.W);
        using var col = Tensor.Empty(new Shape(g.ColumnRows, columns));
        CpuBackend.Im2ColFloat(xt, col, g);
        var yT = new float[g.F * columns];
        CpuGemm.Sgemm(false, false, g.F, columns, g.ColumnRows, 1, w, col.Span<float>(), 0, yT);
        var pixels = g.OH * g.OW;
        var y = new float[g.OutputSize];
        for (var f = 0; f < g.F; f++)
            for (var b = 0; b < g.N; b++)
                for (var p = 0; p < pixels; p++) y[(b * g.F + f) * pixels + p] = yT[(f * g.N + b) * pixels + p];
        return y;
    }

    /// <summary>What Conv2D's backward computes for these layers: dcol = Wᵀ·dY', then col2im.</summary>
    private static double[] CompositeInputGrad(float[] w, float[] dyT, Conv2DGeometry g)
    {
        var columns = g.N * g.OH * g.OW;
        var dcol = new float[g.ColumnRows * columns];
        CpuGemm.Sgemm(true, false, g.ColumnRows, columns, g.F, 1, w, dyT, 0, dcol);
        using var dcolT = Tensor.FromArray(dcol, g.ColumnRows, columns);
        using var dx = Tensor.Zeros(new Shape(g.N, g.C, g.H, g.W));
        CpuBackend.Col2ImFloat(dcolT, dx, g);
        return dx.ToDoubleArray();
    }

    private static void Forward(string kernel, float[] w, float[] x, Conv2DGeometry g, float[] bias, float[] y, bool relu)
    {
        switch (kernel)
        {
            case "avx512": ConvTapGemm.Forward<Avx512GemmKernel>(w, x, g, bias, y, relu); break;
            case "avx2": ConvTapGemm.Forward<Avx2GemmKernel>(w, x, g, bias, y, relu); break;
            default: ConvTapGemm.Forward<ScalarGemmKernel>(w, x, g, bias, y, relu); break;
        }
    }

    private static void InputGrad(string kernel, float[] w, float[] dyT, Conv2DGeometry g, float[] dx, bool assign)
    {
        switch (kernel)
        {
            case "avx512": ConvTapGemm.InputGrad<Avx512GemmKernel>(w, dyT, g, dx, assign); break;
            case "avx2": ConvTapGemm.InputGrad<Avx2GemmKernel>(w, dyT, g, dx, assign); break;
            default: ConvTapGemm.InputGrad<ScalarGemmKernel>(w, dyT, g, dx, assign); break;
        }
    }

    private static void WeightGrad(string kernel, float[] dyT, float[] x, Conv2DGeometry g, float[] dw)
    {
        switch (kernel)
        {
            case "avx512": ConvTapWeightGrad.Run<Avx512GemmKernel>(dyT, x, g, dw); break;
            case "avx2": ConvTapWeightGrad.Run<Avx2GemmKernel>(dyT, x, g, dw); break;
            default: ConvTapWeightGrad.Run<ScalarGemmKernel>(dyT, x, g, dw); break;
        }
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    private static float[] RandomFloats(Rng rng, int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextNormal()).ToArray();
}
