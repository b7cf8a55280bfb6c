using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void CreationAndAccess()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(6.0, t[1, 2]);
        Assert.Equal("(2, 3)", t.Shape.ToString());
        Assert.Equal("(7,)", new Shape(7).ToString());
        Assert.Equal(new[] { 0.0, 0, 0, 0 }, Tensor.Zeros(new Shape(2, 2)).ToDoubleArray());
        Assert.Equal(new[] { 1, 1, 1 }, Tensor.Ones(new Shape(3), DType.Int32).ToArray<int>());
        Assert.Throws<IndexOutOfRangeException>(() => t[2, 0]);
    }

    [Fact]
    public void ReshapeSharesStorageAndResolvesMinusOne()
    {
        var t = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        var r = t.Reshape(4, -1);
        Assert.Equal(new Shape(4, 6), r.Shape);
        Assert.Same(t.Storage, r.Storage);
        var ex = Assert.Throws<ArgumentException>(() => t.Reshape(5, -1));
        Assert.Contains("(2, 3, 4)", ex.Message);
    }

    [Fact]
    public void RandomIsSeeded()
    {
        var a = Tensor.RandomNormal(new Shape(100), new Rng(5)).ToArray<float>();
        var b = Tensor.RandomNormal(new Shape(100), new Rng(5)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.InRange(a.Average(), -0.3, 0.3);
        var u = Tensor.RandomUniform(new Shape(1000), new Rng(1), -2, 3).ToArray<float>();
        Assert.All(u, v => Assert.InRange(v, -2f, 3f));
    }

    [Fact]
    public void RngStateRoundTrips()
    {
        var rng = new Rng(9);
        rng.NextNormal();
        var state = rng.GetState();
        var expected = Enumerable.Range(0, 5).Select(_ => rng.NextNormal()).ToArray();
        var other = new Rng(1);
        other.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => other.NextNormal()).ToArray());
    }

    [Fact]
    public void ScopeDisposesTemporariesAndKeepsWhatItIsToldTo()
    {
        Tensor kept, temp;
        using (var scope = new TensorScope())
        {
            temp = Tensor.Ones(new Shape(3));
            kept = scope.Keep(Ops.MulScalar(temp, 2));
        }
        Assert.True(temp.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new[] { 2.0, 2, 2 }, kept.ToDoubleArray());
        var ex = Assert.Throws<ObjectDisposedException>(() => temp.ToArray<float>());
        Assert.Contains("(3,)", ex.Message);
    }

    [Fact]
    public void ElementwiseShapeMismatchIsNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.Add(Tensor.Zeros(new Shape(2, 3)), Tensor.Zeros(new Shape(3, 2))));
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(3, 2)", ex.Message);
    }
}
