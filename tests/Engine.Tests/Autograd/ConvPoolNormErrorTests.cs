using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Bad inputs to conv, pooling, dropout and batch norm fail with Keras-style messages that
/// name what was received and what was expected.</summary>
public class ConvPoolNormErrorTests
{
    private static Tensor Z(params int[] shape) => Tensor.Zeros(new Shape(shape));

    private static void Fails(Action call, params string[] fragments)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(call);
        foreach (var f in fragments) Assert.Contains(f, ex.Message);
    }

    [Fact]
    public void Conv2DRejectsBadShapes()
    {
        Fails(() => Ops.Conv2D(Z(3, 5), Z(4, 3, 3, 3)), "conv2d expects a rank-4 input (N, C, H, W)", "(3, 5)");
        Fails(() => Ops.Conv2D(Z(2, 3, 8, 8), Z(4, 3, 3)), "rank-4 kernel", "(4, 3, 3)");
        Fails(() => Ops.Conv2D(Z(2, 3, 8, 8), Z(4, 1, 3, 3)), "has 3 channels", "expects 1");
        Fails(() => Ops.Conv2D(Z(2, 3, 8, 8), Z(4, 3, 3, 3), Z(5)), "bias must have shape (4,)", "(5,)");
        Fails(() => Ops.Conv2D(Z(2, 3, 5, 7), Z(4, 3, 7, 7)), "kernel size (7, 7) is larger than the input's spatial size (5, 7)", "'valid'");
        Fails(() => Ops.Conv2D(Z(2, 3, 8, 8), Z(4, 3, 3, 3), null, 0), "strides must be positive");
        Fails(() => Ops.Conv2D(Z(2, 3, 8, 8), Tensor.Zeros(new Shape(4, 3, 3, 3), DType.Float64)), "different dtypes");
        Fails(() => Ops.Conv2D(Tensor.Zeros(new Shape(2, 3, 8, 8), DType.Int32), Z(4, 3, 3, 3)), "float32 or float64", "int32");
    }

    [Fact]
    public void SamePaddingAcceptsAKernelLargerThanTheInput() =>
        Assert.Equal(new Shape(2, 4, 5, 7), Ops.Conv2D(Z(2, 3, 5, 7), Z(4, 3, 7, 7), null, 1, Padding.Same).Shape);

    [Fact]
    public void PoolingRejectsBadShapes()
    {
        Fails(() => Ops.MaxPool2D(Z(3, 5, 7)), "max_pooling2d expects a rank-4 input", "(3, 5, 7)");
        Fails(() => Ops.AvgPool2D(Z(1, 1, 2, 5), 3), "average_pooling2d", "pool size (3, 3) is larger than the input's spatial size (2, 5)");
        Fails(() => Ops.MaxPool2D(Z(1, 1, 4, 4), 0), "pool size must be positive");
        Fails(() => Ops.AvgPool2D(Z(1, 1, 4, 4), 2, -1), "strides must be positive");
        Fails(() => Ops.GlobalAvgPool2D(Z(3, 5)), "global_average_pooling2d expects a rank-4 input");
    }

    [Fact]
    public void PoolingOutputShapesFollowKeras()
    {
        Assert.Equal(new Shape(3, 2, 2, 3), Ops.MaxPool2D(Z(3, 2, 5, 7)).Shape);                       // floor(5/2), floor(7/2)
        Assert.Equal(new Shape(3, 2, 3, 4), Ops.MaxPool2D(Z(3, 2, 5, 7), 2, null, Padding.Same).Shape); // ceil(5/2), ceil(7/2)
        Assert.Equal(new Shape(3, 2, 2, 3), Ops.AvgPool2D(Z(3, 2, 5, 7), 3, 2).Shape);                  // (5-3)/2+1, (7-3)/2+1
        Assert.Equal(new Shape(3, 2, 5, 7), Ops.AvgPool2D(Z(3, 2, 5, 7), 3, 1, Padding.Same).Shape);
        Assert.Equal(new Shape(3, 2), Ops.GlobalAvgPool2D(Z(3, 2, 5, 7)).Shape);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void DropoutRejectsRatesOutsideZeroToOne(double rate) =>
        Fails(() => Ops.Dropout(Z(3, 5), rate, true, 1), "rate must be in the range [0, 1)");

    [Fact]
    public void BatchNormRejectsBadShapes()
    {
        var (g, b, m, v) = (Z(3), Z(3), Z(3), Z(3));
        Fails(() => Ops.BatchNorm(Z(2, 3, 4), g, b, m, v, true), "rank-2 input (N, C) or a rank-4 input (N, C, H, W)", "(2, 3, 4)");
        Fails(() => Ops.BatchNorm(Z(2, 4), g, b, m, v, true), "gamma must have shape (4,)", "(3,)");
        Fails(() => Ops.BatchNorm(Z(2, 3), g, b, Z(4), v, true), "moving_mean must have shape (3,)");
        Fails(() => Ops.BatchNorm(Z(2, 3), g, b, m, v, true, momentum: 1.5), "momentum must be in [0, 1]");
        Fails(() => Ops.BatchNorm(Z(2, 3), g, b, m, v, true, epsilon: 0), "epsilon must be positive");
    }
}
