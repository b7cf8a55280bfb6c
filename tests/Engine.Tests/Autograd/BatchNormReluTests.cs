using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Losses;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>The fused batch norm + ReLU (<see cref="Ops.BatchNormRelu"/>): float64 gradient checks with a
/// negative control, agreement with the composite relu(BatchNorm) in float32 and float64, 1-vs-2-thread
/// bitwise equality of the float32 kernels, and the model-level fusion of BN → ReLU pairs.</summary>
public class BatchNormReluTests
{
    private readonly Rng _rng = new(17);

    [Theory]
    [InlineData(new[] { 7, 5 })]
    [InlineData(new[] { 3, 3, 5, 7 })]
    [InlineData(new[] { 5, 2, 3, 3 })]
    public void GradCheckTraining(int[] shape)
    {
        var c = shape[1];
        var runningMean = Tensor.Zeros(new Shape(c), DType.Float64);
        var runningVar = Tensor.Ones(new Shape(c), DType.Float64);
        GradCheck.Assert($"batch_norm_relu training {new Shape(shape)}",
            t => Ops.BatchNormRelu(t[0], t[1], t[2], runningMean, runningVar, training: true),
            TestData.Param(_rng, shape), TestData.Param(_rng, c), TestData.Param(_rng, c));
    }

    [Fact]
    public void GradCheckInference()
    {
        var runningMean = Tensor.RandomNormal(new Shape(3), _rng, dtype: DType.Float64);
        var runningVar = Tensor.RandomUniform(new Shape(3), _rng, 0.5, 2, DType.Float64);
        GradCheck.Assert("batch_norm_relu inference",
            t => Ops.BatchNormRelu(t[0], t[1], t[2], runningMean, runningVar, training: false),
            TestData.Param(_rng, 3, 3, 5, 7), TestData.Param(_rng, 3), TestData.Param(_rng, 3));
    }

    /// <summary>The fused forward recorded with plain batch norm's backward (the ReLU mask left out)
    /// fails the same checker that the fused backward, through the same harness, passes.</summary>
    [Fact]
    public void NegativeControlBackwardWithoutTheMask()
    {
        var (n, c, hw) = (3, 3, 35);
        Func<Tensor[], Tensor> make(bool mask) => t =>
        {
            var rm = Tensor.Zeros(new Shape(c), DType.Float64);
            var rv = Tensor.Ones(new Shape(c), DType.Float64);
            var y = Tensor.EmptyLike(t[0]);
            var mean = Tensor.Empty(new Shape(c), DType.Float64);
            var invStd = Tensor.Empty(new Shape(c), DType.Float64);
            CpuBackend.Instance.BatchNormReluForwardTraining(t[0], t[1], t[2], y, mean, invStd, rm, rv, n, c, hw, 0.99, 1e-3);
            Tape.Record("batch_norm_relu", y, t, (dy, grad) =>
            {
                var dx = grad(t[0])!;
                if (mask) CpuBackend.Instance.BatchNormReluBackward(t[0], dy, t[1], t[2], mean, invStd, dx, grad(t[1]), grad(t[2]), n, c, hw);
                else CpuBackend.Instance.BatchNormBackward(t[0], dy, t[1], mean, invStd, dx, grad(t[1]), grad(t[2]), n, c, hw);
            });
            return y;
        };
        var inputs = new[] { TestData.Param(_rng, n, c, 5, 7), TestData.Param(_rng, c), TestData.Param(_rng, c) };
        Assert.True(GradCheck.Check("fused backward through the harness", make(true), inputs).Passed, "the harness itself fails");
        var wrong = GradCheck.Check("batch norm backward without the ReLU mask", make(false), inputs);
        Assert.False(wrong.Passed, "a backward without the ReLU mask passed the gradient check");
    }

    /// <summary>Fused vs relu(BatchNorm(x)) on the same data: outputs, running statistics and the gradients
    /// of x, gamma and beta (x itself an intermediate, so the float32 backward is dx's first writer).</summary>
    [Theory]
    [InlineData("float32", 1e-5, 1e-4)]
    [InlineData("float64", 1e-12, 1e-10)]
    public void MatchesTheComposite(string dtypeName, double atol, double rtol)
    {
        var dtype = dtypeName == "float32" ? DType.Float32 : DType.Float64;
        var (n, c, h, w) = (6, 5, 9, 11);
        var xs = Enumerable.Range(0, n * c * h * w).Select(_ => _rng.NextNormal() * 2 + 0.5).ToArray();
        var gs = Enumerable.Range(0, c).Select(_ => 0.5 + _rng.NextDouble()).ToArray();
        var bs = Enumerable.Range(0, c).Select(_ => _rng.NextNormal() * 0.5).ToArray();
        var ws = Enumerable.Range(0, n * c * h * w).Select(_ => _rng.NextNormal()).ToArray();
        (double[] Y, double[] Dx, double[] Dg, double[] Db, double[] Rm, double[] Rv) Run(bool fused)
        {
            var x0 = Tensor.FromHost(new Shape(n, c, h, w), dtype, null, i => xs[i]);
            x0.RequiresGrad = true;
            var gamma = Tensor.FromHost(new Shape(c), dtype, null, i => gs[i]);
            var beta = Tensor.FromHost(new Shape(c), dtype, null, i => bs[i]);
            (gamma.RequiresGrad, beta.RequiresGrad) = (true, true);
            var (rm, rv) = (Tensor.Zeros(new Shape(c), dtype), Tensor.Ones(new Shape(c), dtype));
            var weights = Tensor.FromHost(new Shape(n, c, h, w), dtype, null, i => ws[i]);
            var x = Ops.Mul(x0, Tensor.Full(new Shape(1), 1.0, dtype));
            var y = fused ? Ops.BatchNormRelu(x, gamma, beta, rm, rv, training: true)
                          : Ops.Relu(Ops.BatchNorm(x, gamma, beta, rm, rv, training: true));
            Ops.Sum(Ops.Mul(y, weights)).Backward();
            return (y.ToDoubleArray(), x0.Grad!.ToDoubleArray(), gamma.Grad!.ToDoubleArray(), beta.Grad!.ToDoubleArray(), rm.ToDoubleArray(), rv.ToDoubleArray());
        }
        var (f, r) = (Run(true), Run(false));
        Assert.Contains(r.Y, v => v == 0);
        Assert.Contains(r.Y, v => v > 0);
        TestData.AssertClose(r.Y, f.Y, atol, rtol, "y");
        TestData.AssertClose(r.Dx, f.Dx, atol, rtol * 10, "dx");
        TestData.AssertClose(r.Dg, f.Dg, atol * 10, rtol * 10, "dgamma");
        TestData.AssertClose(r.Db, f.Db, atol * 10, rtol * 10, "dbeta");
        TestData.AssertClose(r.Rm, f.Rm, atol, rtol, "moving_mean");
        TestData.AssertClose(r.Rv, f.Rv, atol, rtol, "moving_variance");
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void InferenceMatchesTheComposite(string dtypeName)
    {
        var dtype = dtypeName == "float32" ? DType.Float32 : DType.Float64;
        using var x = Tensor.RandomNormal(new Shape(4, 3, 5, 6), _rng, dtype: dtype);
        using var gamma = Tensor.RandomUniform(new Shape(3), _rng, 0.5, 1.5, dtype);
        using var beta = Tensor.RandomNormal(new Shape(3), _rng, dtype: dtype);
        using var rm = Tensor.RandomNormal(new Shape(3), _rng, dtype: dtype);
        using var rv = Tensor.RandomUniform(new Shape(3), _rng, 0.5, 2, dtype);
        using var _ = Tape.NoGrad();
        using var fused = Ops.BatchNormRelu(x, gamma, beta, rm, rv, training: false);
        using var composite = Ops.Relu(Ops.BatchNorm(x, gamma, beta, rm, rv, training: false));
        var (a, b) = (composite.ToDoubleArray(), fused.ToDoubleArray());
        Assert.Contains(a, v => v == 0);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Float32KernelsGiveTheSameBitsOnOneAndTwoThreads()
    {
        var (n, c, hw) = (9, 7, 13 * 13);
        using var x = Tensor.RandomNormal(new Shape(n, c, hw), _rng);
        using var dy = Tensor.RandomNormal(x.Shape, _rng);
        using var gamma = Tensor.RandomUniform(new Shape(c), _rng, 0.5, 1.5);
        using var beta = Tensor.RandomNormal(new Shape(c), _rng);
        float[][] Run(int threads)
        {
            var previous = CpuParallel.ThreadLimit;
            CpuParallel.ThreadLimit = threads;
            try
            {
                using var y = Tensor.Empty(x.Shape);
                using var mean = Tensor.Empty(new Shape(c));
                using var invStd = Tensor.Empty(new Shape(c));
                using var rm = Tensor.Zeros(new Shape(c));
                using var rv = Tensor.Ones(new Shape(c));
                using var dx = Tensor.Full(x.Shape, float.NaN);
                using var dg = Tensor.Zeros(new Shape(c));
                using var db = Tensor.Zeros(new Shape(c));
                CpuBackend.Instance.BatchNormReluForwardTraining(x, gamma, beta, y, mean, invStd, rm, rv, n, c, hw, 0.9, 1e-3);
                CpuBackend.BatchNormReluBackwardFloat(x, dy, gamma, beta, mean, invStd, dx, dg, db, n, c, hw, assign: true);
                return [y.ToFloatArray(), mean.ToFloatArray(), invStd.ToFloatArray(), rm.ToFloatArray(), rv.ToFloatArray(), dx.ToFloatArray(), dg.ToFloatArray(), db.ToFloatArray()];
            }
            finally { CpuParallel.ThreadLimit = previous; }
        }
        var (one, two) = (Run(1), Run(2));
        for (var k = 0; k < one.Length; k++)
            Assert.True(one[k].Select(BitConverter.SingleToInt32Bits).SequenceEqual(two[k].Select(BitConverter.SingleToInt32Bits)), $"output {k} differs between 1 and 2 threads");
        Assert.DoesNotContain(one[5], float.IsNaN); // assign wrote every dx element
    }

    /// <summary>ResNet-20 fuses its ten BN → ReLU pairs (stem and each block's first) and its nine Add → ReLU joins, not the BNs that feed
    /// an Add; two SGD steps with the fusion give the unfused steps' loss and weights within float rounding.</summary>
    [Fact]
    public void ResNet20StepWithFusionMatchesTheUnfusedGraph()
    {
        var rng = new Rng(4);
        using var x = Tensor.RandomNormal(new Shape(4, 3, 8, 8), rng);
        using var y = Tensor.FromArray(new[] { 0, 1, 2, 1 });
        (double Loss, float[][] Weights, int Fused) Step(bool fusion)
        {
            var previous = ReluFusion.Enabled;
            ReluFusion.Enabled = fusion;
            try
            {
                using var model = Applications.ResNet20(inputShape: [3, 8, 8], classes: 3, classifierActivation: "linear", seed: 6);
                // SGD: a weight moves by lr·gradient, so the comparison sees gradient differences at their size
                // (Adam's g/√v turns a rounding-level gradient into a full-size step).
                model.Compile(optimizer: "sgd", loss: new SparseCategoricalCrossentropy(fromLogits: true));
                var loss = 0.0;
                for (var i = 0; i < 2; i++) loss = model.TrainOnBatch(x, y)["loss"];
                var fused = ReluFusion.Plan(model.Nodes, []).Count(f => f);
                return (loss, model.Weights.Select(v => v.Value.ToFloatArray()).ToArray(), fused);
            }
            finally { ReluFusion.Enabled = previous; }
        }
        var (on, off) = (Step(true), Step(false));
        Assert.Equal(19, on.Fused); // 10 BN → ReLU pairs and 9 Add → ReLU joins
        Assert.Equal(0, off.Fused);
        Assert.Equal(off.Loss, on.Loss, 4);
        for (var k = 0; k < on.Weights.Length; k++)
            TestData.AssertClose(off.Weights[k].Select(v => (double)v).ToArray(), on.Weights[k].Select(v => (double)v).ToArray(), 1e-4, 1e-3, $"weight {k}");
    }
}
