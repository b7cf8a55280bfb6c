using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

public class TapeTests
{
    [Fact]
    public void GradientsAccumulateUntilZeroed()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 });
        x.RequiresGrad = true;
        Ops.Sum(Ops.Mul(x, x)).Backward();
        Assert.Equal(new[] { 2.0, 4.0, 6.0 }, x.Grad!.ToArray<double>());
        Ops.Sum(Ops.Mul(x, x)).Backward();
        Assert.Equal(new[] { 4.0, 8.0, 12.0 }, x.Grad!.ToArray<double>());
        x.ZeroGrad();
        Assert.Null(x.Grad);
        Ops.Sum(x).Backward();
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f });
        x.RequiresGrad = true;
        Tensor y;
        using (Tape.NoGrad()) y = Ops.Mul(x, x);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        var ex = Assert.Throws<InvalidOperationException>(() => Ops.Sum(y).Backward());
        Assert.Contains("does not require grad", ex.Message);
    }

    [Fact]
    public void TapeIsReleasedAfterBackward()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f });
        x.RequiresGrad = true;
        var loss = Ops.Sum(Ops.Relu(x));
        loss.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("already released", ex.Message);
    }

    [Fact]
    public void BackwardNeedsAScalar()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f });
        x.RequiresGrad = true;
        var ex = Assert.Throws<InvalidOperationException>(() => Ops.Relu(x).Backward());
        Assert.Contains("scalar", ex.Message);
        Assert.Contains("(2,)", ex.Message);
    }

    [Fact]
    public void DetachStopsGradient()
    {
        var x = Tensor.FromArray(new[] { 3.0 });
        x.RequiresGrad = true;
        var y = Ops.Mul(x, x.Detach());
        y.Backward();
        Assert.Equal(3.0, x.Grad!.Item());
    }
}
