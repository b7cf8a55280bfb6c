using Engine.Backends;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The CPU backend's one float32/float64 switch and the kernel names derived from method names.</summary>
public class FloatDispatchTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    [Fact]
    public void Float32AndFloat64RunTheSameKernel()
    {
        var x64 = Tensor.FromArray(new double[] { 1, 2, 3, -1, 0, 1 }, new Shape(2, 3));
        var (y64, y32) = (Tensor.Empty(x64.Shape, DType.Float64), Tensor.Empty(x64.Shape));
        Cpu.SoftmaxForward(x64, y64, 2, 3);
        Cpu.SoftmaxForward(x64.To(DType.Float32), y32, 2, 3);
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), 1e-6, 1e-6, "softmax float32 vs float64");
        Assert.Equal(1.0, y64.ToDoubleArray()[..3].Sum(), 12);
    }

    [Fact]
    public void OtherDTypesAreRefusedByKernelName()
    {
        var ints = Tensor.FromArray(new[] { 1, 2, 3, 4 }, new Shape(2, 2));
        var e = Assert.Throws<ArgumentException>(() => Cpu.SoftmaxForward(ints, Tensor.Empty(ints.Shape, DType.Int32), 2, 2));
        Assert.Contains("softmax_forward", e.Message);
        Assert.Contains("int32", e.Message);
        var g = Assert.Throws<ArgumentException>(() => Cpu.MaxPool2DForward(Tensor.FromArray(new[] { 1, 2, 3, 4 }, new Shape(1, 1, 2, 2)), Tensor.Empty(new Shape(1, 1, 1, 1), DType.Int32),
            Tensor.Empty(new Shape(1, 1, 1, 1), DType.Int32), Pool2DGeometry.Create(new Shape(1, 1, 2, 2), (2, 2), (2, 2), Engine.Autograd.Padding.Valid)));
        Assert.Contains("max_pool2d_forward", g.Message);
    }

    [Fact]
    public void TableOpsOptimizersAndLossesAreRefusedByTheirKernelNames()
    {
        var ints = Tensor.FromArray(new[] { 1, 2, 3, 4 }, new Shape(4));
        Tensor Out() => Tensor.Empty(ints.Shape, DType.Int32);
        var relu = Assert.Throws<ArgumentException>(() => Cpu.ElementwiseForward(ElementwiseOps.Relu, ints, null, Out(), 4));
        Assert.Contains("relu_forward", relu.Message);
        var mul = Assert.Throws<ArgumentException>(() => Cpu.ElementwiseBackward(ElementwiseOps.Mul, ints, ints, ints, Out(), Out(), 4));
        Assert.Contains("mul_backward", mul.Message);
        var adam = Assert.Throws<ArgumentException>(() => Cpu.AdamStep(ints, ints, Out(), Out(), null, 4, 0.1, 0.9, 0.999, 1e-7, 0, false, 1));
        Assert.Contains("adam_step", adam.Message);
        var bias = Assert.Throws<ArgumentException>(() => Cpu.BiasAddBackward(ints, Out(), 1, 4, 1));
        Assert.Contains("bias_add_backward", bias.Message);
        var bce = Assert.Throws<ArgumentException>(() => Cpu.SigmoidBceWithLogitsForward(ints, ints, null, Out(), 4, 4));
        Assert.Contains("sigmoid_bce_with_logits_forward", bce.Message);
        Assert.Contains("int32", bce.Message);
    }

    [Theory]
    [InlineData("MaxPool2DForward", "max_pool2d_forward")]
    [InlineData("Col2Im", "col2im")]
    [InlineData("UpSampling2DBackward", "up_sampling2d_backward")]
    [InlineData("DepthwiseConv2DBackwardFilter", "depthwise_conv2d_backward_filter")]
    public void KernelNamesAreTheMethodNamesInSnakeCase(string method, string kernel) =>
        Assert.Equal(kernel, KernelNames.Of(method));
}
