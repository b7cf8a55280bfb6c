using Engine.Autograd;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>The checker must be able to fail: an op with a deliberately wrong backward is caught.</summary>
public class NegativeControlTests
{
    /// <summary>y = x² but the backward claims dy/dx = x (missing the factor 2).</summary>
    private static Tensor WrongSquare(Tensor x)
    {
        var y = Tensor.EmptyLike(x);
        x.Backend.MulForward(x, x, y, x.Size);
        Tape.Record("wrong_square", y, [x], (dy, grad) =>
        {
            if (grad(x) is { } dx) dy.Backend.MulBackward(dy, x, dy, null, dx, dy.Size);
        });
        return y;
    }

    private static Tensor RightSquare(Tensor x)
    {
        var y = Tensor.EmptyLike(x);
        x.Backend.MulForward(x, x, y, x.Size);
        Tape.Record("square", y, [x], (dy, grad) =>
        {
            if (grad(x) is { } dx) dy.Backend.MulBackward(x, x, dy, dx, dx, dy.Size);
        });
        return y;
    }

    [Fact]
    public void WrongBackwardIsReported()
    {
        var x = TestData.Param(new Rng(7), 3, 5);
        var result = GradCheck.Check("wrong_square", t => WrongSquare(t[0]), [x]);
        Assert.False(result.Passed);
        Assert.Equal(15, result.Mismatches.Count);
        var ex = Assert.Throws<GradCheckException>(() => GradCheck.Assert("wrong_square", t => WrongSquare(t[0]), x));
        Assert.Contains("wrong_square", ex.Message);
        Assert.Contains("input 0 at [0, 0]", ex.Message);
    }

    [Fact]
    public void SameOpWithRightBackwardPasses()
    {
        var x = TestData.Param(new Rng(7), 3, 5);
        Assert.True(GradCheck.Check("square", t => RightSquare(t[0]), [x]).Passed);
    }
}
