using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>ReLU lets NaN through, as PyTorch does, so a diverging run shows up in the loss
/// (TerminateOnNaN) instead of being hidden as zeros.</summary>
public class ReluNanTests
{
    [Fact]
    public void NanPropagatesInFloat32SimdAndTailAndInFloat64()
    {
        // 19 elements: two full 8-wide vectors plus a scalar tail, with NaN in both parts.
        var values = Enumerable.Range(0, 19).Select(i => i % 3 == 0 ? -1f : i).ToArray();
        values[4] = float.NaN;
        values[17] = float.NaN;
        var y32 = Ops.Relu(Tensor.FromArray(values)).ToArray<float>();
        Assert.True(float.IsNaN(y32[4]) && float.IsNaN(y32[17]));
        Assert.Equal(0f, y32[3]);
        Assert.Equal(5f, y32[5]);

        var y64 = Ops.Relu(Tensor.FromArray(new[] { double.NaN, -2.0, 3.0 })).ToArray<double>();
        Assert.True(double.IsNaN(y64[0]));
        Assert.Equal(new[] { 0.0, 3.0 }, y64[1..]);
    }
}
