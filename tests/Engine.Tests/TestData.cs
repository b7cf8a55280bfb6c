using Engine.Tensors;

namespace Engine.Tests;

/// <summary>Seeded inputs for tests: float64 tensors that require grad, away from kinks.</summary>
internal static class TestData
{
    public static Tensor Param(Rng rng, params int[] shape)
    {
        var t = Tensor.RandomNormal(new Shape(shape), rng, dtype: DType.Float64);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Values with |v| ≥ 0.1, so finite differences never straddle the kink of ReLU or max.</summary>
    public static Tensor AwayFromZero(Rng rng, params int[] shape)
    {
        var t = Tensor.FromHost(new Shape(shape), DType.Float64, null, _ =>
        {
            var v = rng.NextNormal();
            return v >= 0 ? v + 0.1 : v - 0.1;
        });
        t.RequiresGrad = true;
        return t;
    }

    public static Tensor Positive(Rng rng, params int[] shape)
    {
        var t = Tensor.FromHost(new Shape(shape), DType.Float64, null, _ => 0.5 + rng.NextDouble());
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first mismatches.</summary>
    public static void AssertClose(double[] expected, double[] actual, double atol = 1e-6, double rtol = 1e-6, string what = "values")
    {
        Assert.Equal(expected.Length, actual.Length);
        var bad = new List<string>();
        for (var i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= atol + rtol * Math.Abs(expected[i])))
                bad.Add($"[{i}] expected={expected[i]:G9} actual={actual[i]:G9}");
        if (bad.Count > 0)
            Assert.Fail($"{what}: {bad.Count} of {expected.Length} differ; first: {string.Join("; ", bad.Take(5))}");
    }
}
