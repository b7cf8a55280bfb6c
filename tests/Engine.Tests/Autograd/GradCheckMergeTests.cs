using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Float64 gradient checks of broadcasting and the merge ops (eps 1e-6, atol 1e-5,
/// rtol 1e-3), with a negative control for the sum over broadcast axes.</summary>
public class GradCheckMergeTests
{
    private readonly Rng _rng = new(314);

    [Fact]
    public void BroadcastToSeveralAxes() =>
        GradCheck.Assert("broadcast_to (1, 5, 1) -> (3, 4, 5, 7)", x => Ops.BroadcastTo(x[0], new Shape(3, 4, 5, 7)), TestData.Param(_rng, 1, 5, 1));

    [Fact]
    public void AddBroadcastsBothOperands() =>
        GradCheck.Assert("add (3, 1, 5) + (4, 1)", x => Ops.Add(x[0], x[1]), TestData.Param(_rng, 3, 1, 5), TestData.Param(_rng, 4, 1));

    [Fact]
    public void SubBroadcastsARowVector() =>
        GradCheck.Assert("sub (3, 5) - (5)", x => Ops.Sub(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 5));

    [Fact]
    public void MulBroadcastsPerChannel() =>
        GradCheck.Assert("mul (2, 3, 5, 7) * (3, 1, 1)", x => Ops.Mul(x[0], x[1]), TestData.Param(_rng, 2, 3, 5, 7), TestData.Param(_rng, 3, 1, 1));

    [Fact]
    public void Maximum() =>
        GradCheck.Assert("maximum (3, 5) (3, 5)", x => Ops.Maximum(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 3, 5));

    [Fact]
    public void MinimumWithBroadcast() =>
        GradCheck.Assert("minimum (3, 5) (1, 5)", x => Ops.Minimum(x[0], x[1]), TestData.Param(_rng, 3, 5), TestData.Param(_rng, 1, 5));

    [Fact]
    public void ConcatenateChannels() =>
        GradCheck.Assert("concatenate axis 1", x => Ops.Concatenate([x[0], x[1], x[2]], axis: 1),
            TestData.Param(_rng, 3, 2, 5, 7), TestData.Param(_rng, 3, 1, 5, 7), TestData.Param(_rng, 3, 4, 5, 7));

    [Fact]
    public void ConcatenateLastAxis() =>
        GradCheck.Assert("concatenate axis -1", x => Ops.Concatenate([x[0], x[1]]), TestData.Param(_rng, 3, 5, 2), TestData.Param(_rng, 3, 5, 3));

    /// <summary>Broadcast forward with a backward that keeps only the first broadcast copy instead of
    /// summing over the broadcast axis: the checker must catch it.</summary>
    private static Tensor BroadcastWithoutSum(Tensor x, Shape shape)
    {
        var (od, st) = Engine.Backends.Broadcast.Plan(x.Shape.ToArray(), shape.ToArray());
        var y = Tensor.Empty(shape, x.DType, x.Device);
        x.Backend.BroadcastForward(x, y, new Engine.Backends.StridedWalk(od, st));
        Tape.Record("broadcast_without_sum", y, [x], (dy, grad) =>
        {
            if (grad(x) is not { } dx) return;
            var g = dy.ToDoubleArray();
            var d = dx.Span<double>();
            for (var i = 0; i < d.Length; i++) d[i] += g[i];   // row 0 of dy only
        });
        return y;
    }

    [Fact]
    public void NegativeControlBroadcastBackwardThatDoesNotSumFails()
    {
        var x = TestData.Param(new Rng(5), 1, 5);
        var result = GradCheck.Check("broadcast_without_sum", t => BroadcastWithoutSum(t[0], new Shape(3, 5)), [x]);
        Assert.False(result.Passed);
        Assert.Equal(5, result.Mismatches.Count);
        Assert.True(GradCheck.Check("broadcast_to", t => Ops.BroadcastTo(t[0], new Shape(3, 5)), [x]).Passed);
    }

    [Fact]
    public void IncompatibleShapesNameBothShapes()
    {
        var (a, b) = (TestData.Param(_rng, 3, 5), TestData.Param(_rng, 4, 5));
        var e = Assert.Throws<ArgumentException>(() => Ops.Add(a, b));
        Assert.Contains("(3, 5) and (4, 5)", e.Message);
        var c = Assert.Throws<ArgumentException>(() => Ops.Concatenate([a, TestData.Param(_rng, 4, 6)], axis: 1));
        Assert.Contains("(3, 5), (4, 6)", c.Message);
    }

    [Fact]
    public void MaximumAndMinimumRouteTiesToTheFirstOperandAndPropagateNaN()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2.0, double.NaN, 5.0 }, new Shape(4));
        var b = Tensor.FromArray(new[] { 1.0, 3.0, 0.0, double.NaN }, new Shape(4));
        var max = Ops.Maximum(a, b).ToDoubleArray();
        var min = Ops.Minimum(a, b).ToDoubleArray();
        Assert.Equal([1.0, 3.0], max[..2]);
        Assert.Equal([1.0, 2.0], min[..2]);
        Assert.True(double.IsNaN(max[2]) && double.IsNaN(max[3]) && double.IsNaN(min[2]) && double.IsNaN(min[3]));
        a.RequiresGrad = b.RequiresGrad = true;
        Ops.Sum(Ops.Maximum(a, b)).Backward();
        Assert.Equal(1.0, a.Grad!.ToDoubleArray()[0]);
        Assert.Equal(0.0, b.Grad!.ToDoubleArray()[0]);
    }
}
