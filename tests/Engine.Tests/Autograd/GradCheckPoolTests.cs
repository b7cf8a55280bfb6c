using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Pooling against central differences on batch 3, 3 channels, 5x7 images.</summary>
public class GradCheckPoolTests
{
    private readonly Rng _rng = new(77);

    /// <summary>A shuffle of 0, 0.1, 0.2, … (centred): every value distinct by 0.1, far more than the
    /// finite-difference step, so no max-pool window is near a tie.</summary>
    private Tensor Distinct(params int[] shape)
    {
        var size = new Shape(shape).Size;
        var values = Enumerable.Range(0, size).Select(i => (i - size / 2) * 0.1).ToArray();
        _rng.Shuffle(values.AsSpan());
        var t = Tensor.FromArray(values, new Shape(shape));
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [InlineData(2, 2, 2, 2, Padding.Valid)]
    [InlineData(3, 3, 2, 2, Padding.Valid)]
    [InlineData(3, 3, 2, 2, Padding.Same)]
    [InlineData(2, 2, 2, 2, Padding.Same)]
    [InlineData(3, 3, 1, 1, Padding.Same)] // overlapping windows: one input can win several
    [InlineData(2, 3, 1, 2, Padding.Same)]
    public void MaxPool2D(int ph, int pw, int sh, int sw, Padding padding) =>
        GradCheck.Assert($"max_pool2d pool=({ph},{pw}) s=({sh},{sw}) {padding}",
            t => Ops.MaxPool2D(t[0], ph, pw, sh, sw, padding), Distinct(3, 3, 5, 7));

    [Fact]
    public void MaxPool2DDefaults() => GradCheck.Assert("max_pool2d()", t => Ops.MaxPool2D(t[0]), Distinct(3, 3, 5, 7));

    [Theory]
    [InlineData(2, 2, 2, 2, Padding.Valid)]
    [InlineData(3, 3, 2, 2, Padding.Valid)]
    [InlineData(3, 3, 2, 2, Padding.Same)]
    [InlineData(2, 2, 2, 2, Padding.Same)]
    [InlineData(3, 3, 1, 1, Padding.Same)]
    [InlineData(2, 3, 1, 2, Padding.Same)]
    public void AvgPool2D(int ph, int pw, int sh, int sw, Padding padding) =>
        GradCheck.Assert($"avg_pool2d pool=({ph},{pw}) s=({sh},{sw}) {padding}",
            t => Ops.AvgPool2D(t[0], ph, pw, sh, sw, padding), TestData.Param(_rng, 3, 3, 5, 7));

    [Fact]
    public void AvgPool2DDefaults() => GradCheck.Assert("avg_pool2d(3, stride 2)", t => Ops.AvgPool2D(t[0], 3, 2), TestData.Param(_rng, 3, 3, 5, 7));

    [Fact]
    public void GlobalAvgPool2D() => GradCheck.Assert("global_avg_pool2d", t => Ops.GlobalAvgPool2D(t[0]), TestData.Param(_rng, 3, 5, 5, 7));
}
