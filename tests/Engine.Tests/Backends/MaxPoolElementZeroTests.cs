using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>Max-pool when a window's maximum is flat element 0 of the input (index 0 is a valid
/// argmax, not "none"): forward picks it, backward routes the gradient to it. Hand-computed values.</summary>
public class MaxPoolElementZeroTests
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    /// <summary>One 1x1x4x4 image whose largest value sits at [0, 0]; 2x2 windows, stride 2.</summary>
    internal static readonly float[] Image =
    [
        9, 1, 2, 3,
        4, 5, 6, 0,
        7, 1, 8, 2,
        3, 4, 5, 6,
    ];

    [Fact]
    public void ForwardPicksElementZeroAndBackwardRoutesItsGradientThere()
    {
        var x = Tensor.FromArray(Image, new Shape(1, 1, 4, 4));
        var y = Tensor.Zeros(new Shape(1, 1, 2, 2));
        var argmax = Tensor.Zeros(new Shape(4), DType.Int32);
        Cpu.MaxPool2DForward(x, y, argmax, new Pool2DGeometry { N = 1, C = 1, H = 4, W = 4, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = 2, OW = 2 });
        Assert.Equal([9f, 6f, 7f, 8f], y.ToArray<float>());
        Assert.Equal([0, 6, 8, 10], argmax.ToArray<int>());

        // dx starts from non-zero values: backward accumulates.
        var dy = Tensor.FromArray(new float[] { 10, 20, 30, 40 }, new Shape(1, 1, 2, 2));
        var dx = Tensor.FromArray(Enumerable.Repeat(0.5f, 16).ToArray(), new Shape(1, 1, 4, 4));
        Cpu.MaxPool2DBackward(dy, argmax, dx, 4);
        var expected = Enumerable.Repeat(0.5f, 16).ToArray();
        expected[0] += 10;
        expected[6] += 20;
        expected[8] += 30;
        expected[10] += 40;
        Assert.Equal(expected, dx.ToArray<float>());
    }

    [Fact]
    public void TheLayerGradientReachesElementZero()
    {
        // Through the autograd op, in float64: d(sum(maxpool(x)))/dx is 1 exactly at each window's maximum.
        var x = Tensor.FromArray(Image.Select(v => (double)v).ToArray(), new Shape(1, 1, 4, 4));
        x.RequiresGrad = true;
        var loss = Engine.Autograd.Ops.Sum(Engine.Autograd.Ops.MaxPool2D(x, 2, 2));
        loss.Backward();
        var grad = x.Grad!.ToArray<double>();
        Assert.Equal(1.0, grad[0]);
        Assert.Equal(4.0, grad.Sum());
    }
}
