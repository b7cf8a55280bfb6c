using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Conv2D against central differences: batch 3, 5x7 images, 3 → 5 channels, every kernel
/// size the layers use, stride 1 and 2, 'valid' and 'same', with and without bias.</summary>
public class GradCheckConvTests
{
    private readonly Rng _rng = new(2024);

    public static TheoryData<int, int, Padding, bool> Cases()
    {
        var data = new TheoryData<int, int, Padding, bool>();
        foreach (var kernel in new[] { 1, 2, 3, 5, 7 })
            foreach (var stride in new[] { 1, 2 })
                foreach (var padding in new[] { Padding.Valid, Padding.Same })
                    foreach (var bias in new[] { true, false })
                        if (!(padding == Padding.Valid && kernel > 5)) // a 7-tall kernel does not fit a 5-tall image
                            data.Add(kernel, stride, padding, bias);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2D(int kernel, int stride, Padding padding, bool bias)
    {
        var x = TestData.Param(_rng, 3, 3, 5, 7);
        var w = TestData.Param(_rng, 5, 3, kernel, kernel);
        var name = $"conv2d k={kernel} s={stride} {padding} bias={bias}";
        if (bias)
            GradCheck.Assert(name, t => Ops.Conv2D(t[0], t[1], t[2], stride, padding), x, w, TestData.Param(_rng, 5));
        else
            GradCheck.Assert(name, t => Ops.Conv2D(t[0], t[1], null, stride, padding), x, w);
    }

    [Theory]
    [InlineData(2, 3, 2, 1, Padding.Same)]
    [InlineData(3, 2, 1, 2, Padding.Valid)]
    [InlineData(1, 5, 2, 3, Padding.Same)]
    public void Conv2DRectangularKernelAndStrides(int kh, int kw, int sh, int sw, Padding padding) =>
        GradCheck.Assert($"conv2d k=({kh},{kw}) s=({sh},{sw}) {padding}",
            t => Ops.Conv2D(t[0], t[1], t[2], sh, sw, padding),
            TestData.Param(_rng, 3, 3, 5, 7), TestData.Param(_rng, 5, 3, kh, kw), TestData.Param(_rng, 5));

    [Fact]
    public void Conv2DInputGradientOnly()
    {
        // The kernel needs no gradient, so the forward drops its im2col buffer early.
        var w = Tensor.RandomNormal(new Shape(5, 3, 3, 3), _rng, dtype: DType.Float64);
        GradCheck.Assert("conv2d dx only", t => Ops.Conv2D(t[0], w, null, 2, Padding.Same), TestData.Param(_rng, 3, 3, 5, 7));
    }

    [Fact]
    public void Conv2DKernelAndBiasGradientOnly()
    {
        var x = Tensor.RandomNormal(new Shape(3, 3, 5, 7), _rng, dtype: DType.Float64);
        GradCheck.Assert("conv2d dw, db only", t => Ops.Conv2D(x, t[0], t[1], 1, Padding.Same),
            TestData.Param(_rng, 5, 3, 3, 3), TestData.Param(_rng, 5));
    }

    [Fact]
    public void ConvBatchNormPoolChain() => GradCheck.Assert("conv → batch norm → avg pool → global avg pool",
        t =>
        {
            var runningMean = Tensor.Zeros(new Shape(5), DType.Float64);
            var runningVar = Tensor.Ones(new Shape(5), DType.Float64);
            var y = Ops.Conv2D(t[0], t[1], t[2], 1, Padding.Same);
            y = Ops.BatchNorm(y, t[3], t[4], runningMean, runningVar, training: true);
            y = Ops.AvgPool2D(y, 2, null, Padding.Same);
            return Ops.GlobalAvgPool2D(Ops.Tanh(y));
        },
        TestData.Param(_rng, 3, 3, 5, 7), TestData.Param(_rng, 5, 3, 3, 3), TestData.Param(_rng, 5),
        TestData.Positive(_rng, 5), TestData.Param(_rng, 5));
}
