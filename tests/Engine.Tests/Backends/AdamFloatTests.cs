using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The SIMD, multi-core float32 Adam step gives bitwise what the plain scalar loop gives, for
/// plain Adam, L2 weight decay, decoupled decay (AdamW) and AMSGrad, over chunk and vector edges.</summary>
public class AdamFloatTests
{
    [Theory]
    [InlineData(0.0, false, false)]
    [InlineData(0.01, false, false)]
    [InlineData(0.01, true, false)]
    [InlineData(0.0, false, true)]
    public void MatchesScalarLoopBitwise(double weightDecay, bool decoupled, bool amsgrad)
    {
        const int n = 3 * (1 << 14) + 13;
        var rng = new Rng(9);
        float[] Random(double scale) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextNormal() * scale)).ToArray();
        var (p0, g, m0, v0) = (Random(1), Random(0.1), Random(0.01), Random(0.001).Select(Math.Abs).ToArray());
        var max0 = v0.Select(x => x * 1.5f).ToArray();

        (float[] P, float[] M, float[] V, float[]? Max) Run(bool fast)
        {
            using var p = Tensor.FromArray((float[])p0.Clone());
            using var grad = Tensor.FromArray(g);
            using var m = Tensor.FromArray((float[])m0.Clone());
            using var v = Tensor.FromArray((float[])v0.Clone());
            using var vMax = amsgrad ? Tensor.FromArray((float[])max0.Clone()) : null;
            for (var step = 1; step <= 3; step++)
            {
                if (fast) CpuBackend.Instance.AdamStep(p, grad, m, v, vMax, n, 1e-3, 0.9, 0.999, 1e-7, weightDecay, decoupled, step);
                else CpuBackend.Adam<float>(p, grad, m, v, vMax, n, 1e-3, 0.9, 0.999, 1e-7, weightDecay, decoupled, step);
            }
            return (p.ToFloatArray(), m.ToFloatArray(), v.ToFloatArray(), vMax?.ToFloatArray());
        }

        var fast = Run(fast: true);
        var plain = Run(fast: false);
        Assert.NotEqual(p0, fast.P);
        Assert.Equal(plain.P, fast.P);
        Assert.Equal(plain.M, fast.M);
        Assert.Equal(plain.V, fast.V);
        Assert.Equal(plain.Max, fast.Max);
    }
}
