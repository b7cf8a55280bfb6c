using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Float64 central-difference checks (eps 1e-6, atol 1e-5, rtol 1e-3) on odd shapes.</summary>
public class GradCheckBasicOpsTests
{
    private readonly Rng _rng = new(42);

    [Fact]
    public void Add() => GradCheck.Assert("add", x => Ops.Add(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 3, 5));

    [Fact]
    public void Sub() => GradCheck.Assert("sub", x => Ops.Sub(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 3, 5));

    [Fact]
    public void Mul() => GradCheck.Assert("mul", x => Ops.Mul(x[0], x[1]), TestData.Param(_rng, 3, 7), TestData.Param(_rng, 3, 7));

    [Fact]
    public void Div() => GradCheck.Assert("div", x => Ops.Div(x[0], x[1]), TestData.Param(_rng, 3, 7), TestData.Positive(_rng, 3, 7));

    [Fact]
    public void ScalarOps() => GradCheck.Assert("scalar ops",
        x => Ops.DivScalar(Ops.MulScalar(Ops.AddScalar(Ops.RSubScalar(2.5, x[0]), 0.3), -1.7), 3), TestData.Param(_rng, 5, 3));

    [Fact]
    public void ExpAndLog() => GradCheck.Assert("exp/log", x => Ops.Add(Ops.Exp(x[0]), Ops.Log(x[1])), TestData.Param(_rng, 3, 5), TestData.Positive(_rng, 3, 5));

    [Fact]
    public void BiasAddDense() => GradCheck.Assert("bias_add (N, F)", x => Ops.BiasAdd(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 5));

    [Fact]
    public void BiasAddConv() => GradCheck.Assert("bias_add (N, C, H, W)", x => Ops.BiasAdd(x[0], x[1]), TestData.Param(_rng, 3, 3, 5, 7), TestData.Param(_rng, 3));

    [Fact]
    public void MatMul() => GradCheck.Assert("matmul", x => Ops.MatMul(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 5, 7));

    [Fact]
    public void Linear() => GradCheck.Assert("linear", x => Ops.Linear(x[0], x[1], x[2]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 5, 7), TestData.Param(_rng, 7));

    [Fact]
    public void Transpose() => GradCheck.Assert("transpose", x => Ops.Transpose(x[0]), TestData.Param(_rng, 3, 5));

    [Theory]
    [InlineData(new int[0], false)]
    [InlineData(new[] { 1 }, false)]
    [InlineData(new[] { 0, 2 }, true)]
    [InlineData(new[] { -1 }, true)]
    public void Sum(int[] axes, bool keepDims) =>
        GradCheck.Assert($"sum over [{string.Join(",", axes)}]", x => Ops.Sum(x[0], axes, keepDims), TestData.Param(_rng, 3, 5, 7));

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1, 2 })]
    public void Mean(int[] axes) =>
        GradCheck.Assert($"mean over [{string.Join(",", axes)}]", x => Ops.Mean(x[0], axes), TestData.Param(_rng, 3, 5, 7));

    [Fact]
    public void ReshapeAndFlatten() => GradCheck.Assert("reshape/flatten",
        x => Ops.Mul(Ops.Flatten(x[0]), Ops.Reshape(x[1], 3, -1)), TestData.Param(_rng, 3, 5, 7), TestData.Param(_rng, 7, 15));

    [Fact]
    public void Relu() => GradCheck.Assert("relu", x => Ops.Relu(x[0]), TestData.AwayFromZero(_rng, 3, 5, 7));

    [Fact]
    public void Sigmoid() => GradCheck.Assert("sigmoid", x => Ops.Sigmoid(x[0]), TestData.Param(_rng, 3, 7));

    [Fact]
    public void Tanh() => GradCheck.Assert("tanh", x => Ops.Tanh(x[0]), TestData.Param(_rng, 3, 7));

    [Fact]
    public void Softmax() => GradCheck.Assert("softmax", x => Ops.Softmax(x[0]), TestData.Param(_rng, 3, 7));

    [Fact]
    public void LogSoftmax() => GradCheck.Assert("log_softmax", x => Ops.LogSoftmax(x[0]), TestData.Param(_rng, 3, 5, 7));

    [Fact]
    public void ReusedInputAccumulates() =>
        GradCheck.Assert("x·x + x (one input used three times)", x => Ops.Add(Ops.Mul(x[0], x[0]), x[0]), TestData.Param(_rng, 5, 3));
}
