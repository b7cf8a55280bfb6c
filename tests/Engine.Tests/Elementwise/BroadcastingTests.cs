using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Elementwise;

/// <summary>NumPy broadcasting of the binary generated ops (add, sub, mul, div): forward values, the
/// gradient of a broadcast operand summed over its broadcast axes (size-1 axes and missing leading
/// axes), and a clear error naming both shapes.</summary>
public class BroadcastingTests
{
    private readonly Rng _rng = new(7);

    private static Tensor T(double[] values, params int[] shape) => Tensor.FromArray(values, new Shape(shape));

    [Fact]
    public void ForwardBroadcastsSizeOneAxesAndMissingLeadingAxes()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var row = T([10, 20, 30], 3);            // rank 1 against rank 2
        var col = T([100, 200], 2, 1);           // size-1 axis
        Assert.Equal(new double[] { 11, 22, 33, 14, 25, 36 }, Ops.Add(a, row).ToDoubleArray());
        Assert.Equal(new double[] { -9, -18, -27, -6, -15, -24 }, Ops.Sub(a, row).ToDoubleArray());
        Assert.Equal(new double[] { 100, 200, 300, 800, 1000, 1200 }, Ops.Mul(col, a).ToDoubleArray());
        Assert.Equal(new double[] { 0.01, 0.02, 0.03, 0.02, 0.025, 0.03 }, Ops.Div(a, col).ToDoubleArray());
        var outer = Ops.Add(T([1, 2], 2, 1), T([10, 20, 30], 1, 3));   // both operands broadcast
        Assert.Equal(new[] { 2, 3 }, outer.Shape.ToArray());
        Assert.Equal(new double[] { 11, 21, 31, 12, 22, 32 }, outer.ToDoubleArray());
    }

    [Fact]
    public void GradientOfBroadcastOperandIsSummedOverBroadcastAxes()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var b = T([2, 4, 8], 1, 3);
        a.RequiresGrad = b.RequiresGrad = true;
        Ops.Sum(Ops.Mul(a, b)).Backward();
        Assert.Equal(new double[] { 5, 7, 9 }, b.Grad!.ToDoubleArray());     // Σ over axis 0 of a
        Assert.Equal(new[] { 1, 3 }, b.Grad!.Shape.ToArray());
        Assert.Equal(new double[] { 2, 4, 8, 2, 4, 8 }, a.Grad!.ToDoubleArray());
    }

    public static TheoryData<string, int[], int[]> Shapes() => new()
    {
        { "add", [3, 1, 5], [4, 1] },
        { "sub", [4, 5], [3, 1, 1] },
        { "mul", [1, 4, 1], [3, 1, 5] },
        { "div", [3, 4, 5], [5] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradCheckThroughBroadcasting(string op, int[] shapeA, int[] shapeB)
    {
        var a = TestData.Param(_rng, shapeA);
        var b = op == "div" ? TestData.AwayFromZero(_rng, shapeB) : TestData.Param(_rng, shapeB);
        Func<Tensor, Tensor, Tensor> f = op switch { "add" => Ops.Add, "sub" => Ops.Sub, "mul" => Ops.Mul, _ => Ops.Div };
        GradCheck.Assert($"{op} {Shape.Format(shapeA)} with {Shape.Format(shapeB)}", x => f(x[0], x[1]), a, b);
    }

    [Fact]
    public void IncompatibleShapesNameBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.Div(Tensor.Zeros(new Shape(2, 3), DType.Float64), Tensor.Zeros(new Shape(4), DType.Float64)));
        Assert.Contains("div", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
        var m = Assert.Throws<ArgumentException>(() => Ops.Mul(Tensor.Zeros(new Shape(3, 2)), Tensor.Zeros(new Shape(2, 3))));
        Assert.Contains("(3, 2) and (2, 3)", m.Message);
    }
}
