using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Dropout and batch normalization against central differences.</summary>
public class GradCheckNormTests
{
    private readonly Rng _rng = new(5);

    [Fact]
    public void DropoutTraining() =>
        // A fixed seed fixes the mask, so the function is linear in x and checkable.
        GradCheck.Assert("dropout training", t => Ops.Dropout(t[0], 0.4, training: true, seed: 99), TestData.Param(_rng, 3, 5, 7));

    [Fact]
    public void DropoutInference() =>
        GradCheck.Assert("dropout inference", t => Ops.Mul(Ops.Dropout(t[0], 0.4, training: false, seed: 99), t[0]), TestData.Param(_rng, 3, 5));

    [Theory]
    [InlineData(new[] { 7, 5 })]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 3, 3, 5, 7 })]
    public void BatchNormTraining(int[] shape)
    {
        var c = shape[1];
        var runningMean = Tensor.Zeros(new Shape(c), DType.Float64);
        var runningVar = Tensor.Ones(new Shape(c), DType.Float64);
        GradCheck.Assert($"batch_norm training {new Shape(shape)}",
            t => Ops.BatchNorm(t[0], t[1], t[2], runningMean, runningVar, training: true),
            TestData.Param(_rng, shape), TestData.Param(_rng, c), TestData.Param(_rng, c));
    }

    [Theory]
    [InlineData(new[] { 7, 5 })]
    [InlineData(new[] { 3, 3, 5, 7 })]
    public void BatchNormInference(int[] shape)
    {
        var c = shape[1];
        var runningMean = Tensor.RandomNormal(new Shape(c), _rng, dtype: DType.Float64);
        var runningVar = Tensor.RandomUniform(new Shape(c), _rng, 0.5, 2, DType.Float64);
        GradCheck.Assert($"batch_norm inference {new Shape(shape)}",
            t => Ops.BatchNorm(t[0], t[1], t[2], runningMean, runningVar, training: false),
            TestData.Param(_rng, shape), TestData.Param(_rng, c), TestData.Param(_rng, c));
    }

    [Fact]
    public void BatchNormTrainingGammaBetaOnly()
    {
        // x needs no gradient: the backward kernel writes into a scratch buffer instead.
        var x = Tensor.RandomNormal(new Shape(3, 3, 5, 7), _rng, dtype: DType.Float64);
        var runningMean = Tensor.Zeros(new Shape(3), DType.Float64);
        var runningVar = Tensor.Ones(new Shape(3), DType.Float64);
        GradCheck.Assert("batch_norm training dgamma, dbeta only",
            t => Ops.BatchNorm(x, t[0], t[1], runningMean, runningVar, training: true),
            TestData.Param(_rng, 3), TestData.Param(_rng, 3));
    }
}
