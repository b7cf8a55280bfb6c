using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The vectorised float32 batch norm (forward in training mode and backward) against the float64
/// kernels on the same values, on plane sizes around the vector width (hw = 1 dense, 7, 17, 64) and an
/// offset mean (where E[x²] − E[x]² would cancel); its overwrite mode (first writer) against add-into-zero;
/// and its results do not depend on the thread count.</summary>
public class BatchNormFloatTests
{
    [Theory]
    [InlineData(5, 3, 1)]
    [InlineData(4, 3, 7)]
    [InlineData(3, 5, 17)]
    [InlineData(6, 2, 64)]
    public void MatchesFloat64Kernels(int n, int c, int hw)
    {
        var rng = new Rng(4);
        var size = n * c * hw;
        var x = Enumerable.Range(0, size).Select(_ => (float)(rng.NextNormal() * 2 + 30)).ToArray();
        var dy = Enumerable.Range(0, size).Select(_ => (float)rng.NextNormal()).ToArray();
        var gamma = Enumerable.Range(0, c).Select(i => 0.5f + i).ToArray();
        var beta = Enumerable.Range(0, c).Select(i => 0.1f * i - 0.2f).ToArray();

        var f = Run(DType.Float32, x, dy, gamma, beta, n, c, hw);
        var d = Run(DType.Float64, x, dy, gamma, beta, n, c, hw);
        AssertClose(d.Y, f.Y, 2e-6, "y");
        AssertClose(d.RunningMean, f.RunningMean, 1e-6, "running mean");
        AssertClose(d.RunningVar, f.RunningVar, 1e-6, "running variance");
        AssertClose(d.Dx, f.Dx, 2e-5, "dx");
        AssertClose(d.Dgamma, f.Dgamma, 2e-5, "dgamma");
        AssertClose(d.Dbeta, f.Dbeta, 2e-5, "dbeta");
    }

    [Fact]
    public void OnePassStatisticsStayAccurateOnALargeOffsetWithAnOutlierFirst()
    {
        // Mean 1e4 against a spread of 0.5, and the channel's first value (the shift of the one-pass sums)
        // 40 spreads away from the mean: the variance still matches the float64 two-pass kernel.
        var (n, c, hw) = (6, 2, 50);
        var rng = new Rng(9);
        var x = Enumerable.Range(0, n * c * hw).Select(_ => (float)(1e4 + rng.NextNormal() * 0.5)).ToArray();
        x[0] = 1e4f + 20f;
        x[hw] = 1e4f - 20f;
        var dy = Enumerable.Range(0, n * c * hw).Select(_ => (float)rng.NextNormal()).ToArray();
        var gamma = new[] { 1f, 1f };
        var beta = new[] { 0f, 0f };
        var f = Run(DType.Float32, x, dy, gamma, beta, n, c, hw);
        var d = Run(DType.Float64, x, dy, gamma, beta, n, c, hw);
        for (var ch = 0; ch < c; ch++)
        {
            var relative = Math.Abs(f.RunningVar[ch] - d.RunningVar[ch]) / d.RunningVar[ch];
            Assert.True(relative < 1e-5, $"running variance [{ch}]: float32 {f.RunningVar[ch]} vs float64 {d.RunningVar[ch]}");
        }
        // (y itself is x·scale + shift in float: at x = 1e4 its rounding, not the statistics, dominates.)

        // Control: the same statistics as E[x²] − E[x]² without the shift, in float, are far off, so the
        // data do exercise the cancellation.
        var values = x.Where((_, i) => i / hw % c == 0).ToArray();
        var mean = values.Sum() / values.Length;
        var naive = values.Select(v => v * v).Sum() / values.Length - mean * mean;
        var exact = d.RunningVar[0] - 0.9 * 2; // running = 2·momentum + variance·(1 − momentum)
        Assert.True(Math.Abs(naive - exact / 0.1) / (exact / 0.1) > 1e-2, $"naive variance {naive} vs {exact / 0.1}");
    }

    [Fact]
    public void OverwriteModeEqualsAddIntoZeroAndIgnoresOldContents()
    {
        var (n, c, hw) = (4, 3, 29);
        var rng = new Rng(5);
        var size = n * c * hw;
        using var x = Tensor.FromArray(Enumerable.Range(0, size).Select(_ => (float)rng.NextNormal()).ToArray(), new Shape(n, c, hw));
        using var dy = Tensor.FromArray(Enumerable.Range(0, size).Select(_ => (float)rng.NextNormal()).ToArray(), new Shape(n, c, hw));
        using var gamma = Tensor.FromArray(new[] { 1f, 2f, 0.5f });
        using var mean = Tensor.FromArray(new[] { 0.1f, -0.2f, 0.05f });
        using var invStd = Tensor.FromArray(new[] { 1.1f, 0.9f, 1.3f });
        using var added = Tensor.Zeros(new Shape(n, c, hw));
        using var assigned = Tensor.Full(new Shape(n, c, hw), float.NaN);
        using var kept = Tensor.Full(new Shape(n, c, hw), float.NaN);
        CpuBackend.BatchNormBackwardFloat(x, dy, gamma, mean, invStd, added, null, null, n, c, hw, assign: false);
        CpuBackend.BatchNormBackwardFloat(x, dy, gamma, mean, invStd, assigned, null, null, n, c, hw, assign: true);
        CpuBackend.BatchNormBackwardFloat(x, dy, gamma, mean, invStd, kept, null, null, n, c, hw, assign: false);
        Assert.Equal(added.ToFloatArray(), assigned.ToFloatArray());
        Assert.All(kept.ToFloatArray(), v => Assert.True(float.IsNaN(v))); // control: adding keeps what was there
    }

    [Fact]
    public void SameBitsOnOneAndTwoThreads()
    {
        var (n, c, hw) = (8, 6, 4096); // big enough to run in parallel
        var rng = new Rng(6);
        var size = n * c * hw;
        var x = Enumerable.Range(0, size).Select(_ => (float)rng.NextNormal()).ToArray();
        var dy = Enumerable.Range(0, size).Select(_ => (float)rng.NextNormal()).ToArray();
        var gamma = Enumerable.Range(0, c).Select(i => 1f + i).ToArray();
        var beta = new float[c];
        var previous = CpuParallel.ThreadLimit;
        try
        {
            CpuParallel.ThreadLimit = 1;
            var one = Run(DType.Float32, x, dy, gamma, beta, n, c, hw);
            CpuParallel.ThreadLimit = 2;
            var two = Run(DType.Float32, x, dy, gamma, beta, n, c, hw);
            Assert.Equal(one.Y, two.Y);
            Assert.Equal(one.Dx, two.Dx);
            Assert.Equal(one.Dgamma, two.Dgamma);
        }
        finally
        {
            CpuParallel.ThreadLimit = previous;
        }
    }

    [Theory]
    [InlineData(8, 32, 64)]   // ResNet-20's 8×8 stage in small: groups of 8 channels
    [InlineData(3, 10, 17)]  // a tail after the vectors, a last group shorter than the others
    [InlineData(5, 9, 1)]    // dense: tails only
    public void GroupSizeAndThreadCountDoNotChangeBits(int n, int c, int hw)
    {
        // A work item walks a group of channels image by image; each channel's sums must see the same
        // operations in the same order whatever the group size (and the thread count) is.
        var rng = new Rng(11);
        var size = n * c * hw;
        using var x = Tensor.FromArray(Enumerable.Range(0, size).Select(_ => (float)(rng.NextNormal() + 0.3)).ToArray(), new Shape(n, c, hw));
        using var dy = Tensor.FromArray(Enumerable.Range(0, size).Select(_ => (float)rng.NextNormal()).ToArray(), new Shape(n, c, hw));
        using var gamma = Tensor.FromArray(Enumerable.Range(0, c).Select(i => 0.5f + 0.1f * i).ToArray());
        using var beta = Tensor.FromArray(Enumerable.Range(0, c).Select(i => 0.05f * i - 0.2f).ToArray());
        int[] Run(int? groupSize, int threads, bool relu, bool assign)
        {
            var (previousGroup, previousThreads) = (BatchNormFloat.GroupSizeOverride, CpuParallel.ThreadLimit);
            (BatchNormFloat.GroupSizeOverride, CpuParallel.ThreadLimit) = (groupSize, threads);
            try
            {
                using var y = Tensor.Empty(x.Shape);
                using var mean = Tensor.Empty(new Shape(c));
                using var invStd = Tensor.Empty(new Shape(c));
                using var rm = Tensor.Zeros(new Shape(c));
                using var rv = Tensor.Ones(new Shape(c));
                using var dx = Tensor.Full(x.Shape, 0.25f);
                using var dg = Tensor.Zeros(new Shape(c));
                using var db = Tensor.Zeros(new Shape(c));
                CpuBackend.BatchNormForwardFloat(x, gamma, beta, y, mean, invStd, rm, rv, n, c, hw, 0.9, 1e-3, relu);
                CpuBackend.BatchNormBackwardFloat(x, dy, gamma, relu ? beta : null, mean, invStd, dx, dg, db, n, c, hw, assign);
                return new[] { y, mean, invStd, rm, rv, dx, dg, db }.SelectMany(t => t.ToFloatArray()).Select(BitConverter.SingleToInt32Bits).ToArray();
            }
            finally
            {
                (BatchNormFloat.GroupSizeOverride, CpuParallel.ThreadLimit) = (previousGroup, previousThreads);
            }
        }
        foreach (var relu in new[] { false, true })
            foreach (var assign in new[] { false, true })
            {
                var reference = Run(1, 1, relu, assign);
                foreach (var (group, threads) in new (int?, int)[] { (null, 1), (null, 2), (2, 2), (3, 1), (c, 1) })
                    Assert.True(reference.SequenceEqual(Run(group, threads, relu, assign)),
                        $"relu {relu}, assign {assign}: group size {group?.ToString() ?? "default"} on {threads} threads differs from one channel per item");
            }
        // Control: the fused and the plain ops differ here (the mask is exercised), and so do assign and accumulate.
        Assert.False(Run(null, 1, relu: false, assign: true).SequenceEqual(Run(null, 1, relu: true, assign: true)));
        Assert.False(Run(null, 1, relu: false, assign: true).SequenceEqual(Run(null, 1, relu: false, assign: false)));
    }

    [Fact]
    public void GroupSizeRuleGivesLongRunsAndWorkForBothCores()
    {
        Assert.Equal(2, BatchNormFloat.GroupSize(16, 32 * 32));  // ResNet-20 stage 1: 8 KB runs, 8 items
        Assert.Equal(8, BatchNormFloat.GroupSize(32, 16 * 16));  // stage 2: 8 KB runs, 4 items
        Assert.Equal(16, BatchNormFloat.GroupSize(64, 8 * 8));   // stage 3: capped at a quarter of the channels
        Assert.Equal(1, BatchNormFloat.GroupSize(8, 4096));      // a plane alone is long enough
        Assert.Equal(64, BatchNormFloat.GroupSize(512, 2 * 2));  // capped by the stack accumulators
        Assert.Equal(1, BatchNormFloat.GroupSize(1, 7));
        Assert.Equal(3, BatchNormFloat.Groups(10, 4));
    }

    private sealed record Result(double[] Y, double[] RunningMean, double[] RunningVar, double[] Dx, double[] Dgamma, double[] Dbeta);

    private static Result Run(DType dtype, float[] x, float[] dy, float[] gamma, float[] beta, int n, int c, int hw)
    {
        Tensor Make(float[] values, Shape shape) =>
            dtype == DType.Float32 ? Tensor.FromArray((float[])values.Clone(), shape) : Tensor.FromArray(values.Select(v => (double)v).ToArray(), shape);
        var be = CpuBackend.Instance;
        var shape = new Shape(n, c, hw);
        using var xt = Make(x, shape);
        using var dyt = Make(dy, shape);
        using var g = Make(gamma, new Shape(c));
        using var b = Make(beta, new Shape(c));
        using var rm = Make(Enumerable.Repeat(0.5f, c).ToArray(), new Shape(c));
        using var rv = Make(Enumerable.Repeat(2f, c).ToArray(), new Shape(c));
        using var y = Tensor.Empty(shape, dtype);
        using var mean = Tensor.Empty(new Shape(c), dtype);
        using var invStd = Tensor.Empty(new Shape(c), dtype);
        be.BatchNormForwardTraining(xt, g, b, y, mean, invStd, rm, rv, n, c, hw, 0.9, 1e-3);
        using var dx = Tensor.Zeros(shape, dtype);
        using var dg = Tensor.Zeros(new Shape(c), dtype);
        using var db = Tensor.Zeros(new Shape(c), dtype);
        be.BatchNormBackward(xt, dyt, g, mean, invStd, dx, dg, db, n, c, hw);
        return new Result(y.ToDoubleArray(), rm.ToDoubleArray(), rv.ToDoubleArray(), dx.ToDoubleArray(), dg.ToDoubleArray(), db.ToDoubleArray());
    }

    private static void AssertClose(double[] expected, double[] actual, double relative, string what)
    {
        var scale = Math.Max(1, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale,
                $"{what}[{i}]: float32 {actual[i]} vs float64 {expected[i]} (tolerance {relative * scale:G3})");
    }
}
