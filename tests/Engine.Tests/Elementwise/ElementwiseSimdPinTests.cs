using Engine.Backends;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Tests.Elementwise;

/// <summary>The hand-written float32 SIMD loops that stand in for generated ops on the CPU (relu, add,
/// sub, mul; forward and backward) give bitwise the generated loop's results, on lengths that leave a
/// scalar tail and on NaN, ±0 and ±inf.</summary>
public class ElementwiseSimdPinTests
{
    private const int N = 1037;

    private static readonly float[] Specials = [float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 1e-40f, -1e-40f, 3.5f, -2.25f];

    private static Tensor Data(int seed)
    {
        var rng = new Rng((ulong)seed);
        return Tensor.FromHost(new Shape(N), DType.Float32, null, i => i % 13 < Specials.Length ? Specials[(i + seed) % Specials.Length] : rng.NextNormal());
    }

    public static TheoryData<string> PinnedOps() => ["relu", "add", "sub", "mul"];

    [Theory]
    [MemberData(nameof(PinnedOps))]
    public void SimdLoopIsBitwiseTheGeneratedLoop(string name)
    {
        var op = ElementwiseOps.All.Single(o => o.Name == name);
        var a = Data(1);
        var b = op.Inputs.Count > 1 ? Data(2) : null;
        var (simd, generated) = (Tensor.Zeros(new Shape(N)), Tensor.Zeros(new Shape(N)));
        CpuBackend.Instance.ElementwiseForward(op, a, b, simd, N);
        CpuBackend.GeneratedOnlyForward(op, a, b, generated, N);
        AssertBitwise(op.ForwardKernel, generated, simd);

        var dy = Data(3);
        Tensor? Saved(int k) => k < op.Saved.Count ? (op.Saved[k] == op.Inputs[0] ? a : b) : null;
        var (g0s, g0g) = (Data(4), Data(4));
        var (g1s, g1g) = op.Grads.Count > 1 ? (Data(5), Data(5)) : (null, null);
        CpuBackend.Instance.ElementwiseBackward(op, Saved(0), Saved(1), dy, g0s, g1s, N);
        CpuBackend.GeneratedOnlyBackward(op, Saved(0), Saved(1), dy, g0g, g1g, N);
        AssertBitwise(op.BackwardKernel + " " + op.Grads[0].Grad, g0g, g0s);
        if (g1s is not null) AssertBitwise(op.BackwardKernel + " " + op.Grads[1].Grad, g1g!, g1s);
    }

    private static void AssertBitwise(string what, Tensor expected, Tensor actual)
    {
        var (e, a) = (expected.ToArray<float>(), actual.ToArray<float>());
        for (var i = 0; i < e.Length; i++)
        {
            var same = BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(a[i]) || (float.IsNaN(e[i]) && float.IsNaN(a[i]));
            Assert.True(same, $"{what}: at [{i}] generated={e[i]:R} simd={a[i]:R}");
        }
    }
}
