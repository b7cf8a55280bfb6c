using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The SIMD float32 loops against the plain scalar loops they replace: bit-identical results
/// (Sum within rounding), on lengths around the vector width so both body and tail run.</summary>
public class SimdFloatTests
{
    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1000];

    [Fact]
    public void BinaryOpsMatchScalarLoops()
    {
        var rng = new Rng(3);
        foreach (var n in Lengths)
        {
            var a = Random(rng, n);
            var b = Random(rng, n);
            var y = new float[n];
            SimdFloat.Add(a, b, y);
            Assert.Equal(Enumerable.Range(0, n).Select(i => a[i] + b[i]), y);
            SimdFloat.Subtract(a, b, y);
            Assert.Equal(Enumerable.Range(0, n).Select(i => a[i] - b[i]), y);
            SimdFloat.Multiply(a, b, y);
            Assert.Equal(Enumerable.Range(0, n).Select(i => a[i] * b[i]), y);
        }
    }

    [Fact]
    public void AccumulatingOpsAddOntoTheirOutput()
    {
        var rng = new Rng(5);
        foreach (var n in Lengths)
        {
            var a = Random(rng, n);
            var b = Random(rng, n);
            var start = Random(rng, n);
            var y = (float[])start.Clone();
            SimdFloat.MultiplyAccumulate(a, b, y);
            Assert.Equal(Enumerable.Range(0, n).Select(i => start[i] + a[i] * b[i]), y);
            y = (float[])start.Clone();
            SimdFloat.Axpy(-1.5f, a, y);
            Assert.Equal(Enumerable.Range(0, n).Select(i => start[i] + -1.5f * a[i]), y);
        }
    }

    [Fact]
    public void AffineAndAddScalarMatchScalarLoops()
    {
        var rng = new Rng(7);
        foreach (var n in Lengths)
        {
            var x = Random(rng, n);
            var y = new float[n];
            SimdFloat.Affine(x, 0.25f, -3f, y);
            Assert.Equal(x.Select(v => v * 0.25f + -3f), y);
            SimdFloat.AddScalar(x, 2.5f, y);
            Assert.Equal(x.Select(v => v + 2.5f), y);
        }
    }

    [Fact]
    public void SumMatchesDoubleSumWithinRounding()
    {
        var rng = new Rng(9);
        foreach (var n in Lengths)
        {
            var x = Random(rng, n);
            var expected = x.Sum(v => (double)v);
            Assert.True(Math.Abs(SimdFloat.Sum(x) - expected) <= 1e-6 * n * x.Sum(v => Math.Abs(v)) + 1e-30, $"n={n}");
        }
    }

    [Fact]
    public void ReluMatchesScalarRuleIncludingNaNAndInfinity()
    {
        var rng = new Rng(11);
        foreach (var n in Lengths)
        {
            var x = Random(rng, n);
            if (n > 8) (x[3], x[5], x[8]) = (float.NaN, -0f, float.NegativeInfinity);
            var dy = Random(rng, n);
            var y = new float[n];
            SimdFloat.Relu(x, y);
            Assert.Equal(x.Select(v => v <= 0 ? 0 : v), y); // NaN stays NaN (PyTorch semantics)
            var dx = Random(rng, n);
            var expected = Enumerable.Range(0, n).Select(i => dx[i] + (x[i] > 0 ? dy[i] : 0)).ToArray();
            SimdFloat.ReluBackward(x, dy, dx);
            Assert.Equal(expected, dx);
        }
    }

    [Theory]
    [InlineData(3, 5, 7)] // images: channel runs of 7
    [InlineData(4, 17, 1)] // dense: a row of 17 channels per sample
    [InlineData(2, 3, 33)]
    public void BiasAddAndItsGradientAgreeWithFloat64(int outer, int channels, int inner)
    {
        var rng = new Rng(13);
        var x = Tensor.RandomNormal(new Shape(outer * channels * inner), rng, dtype: DType.Float64);
        var bias = Tensor.RandomNormal(new Shape(channels), rng, dtype: DType.Float64);
        var size = outer * channels * inner;
        var y64 = Tensor.Zeros(new Shape(size), DType.Float64);
        var y32 = Tensor.Zeros(new Shape(size));
        CpuBackend.Instance.BiasAddForward(x, bias, y64, outer, channels, inner);
        CpuBackend.Instance.BiasAddForward(x.To(DType.Float32), bias.To(DType.Float32), y32, outer, channels, inner);
        TestData.AssertClose(y64.ToDoubleArray(), y32.ToDoubleArray(), atol: 1e-6, rtol: 1e-6, what: "bias_add_forward");

        var db64 = Tensor.Ones(new Shape(channels), DType.Float64);
        var db32 = Tensor.Ones(new Shape(channels));
        CpuBackend.Instance.BiasAddBackward(x, db64, outer, channels, inner);
        CpuBackend.Instance.BiasAddBackward(x.To(DType.Float32), db32, outer, channels, inner);
        TestData.AssertClose(db64.ToDoubleArray(), db32.ToDoubleArray(), atol: 1e-5, rtol: 1e-5, what: "bias_add_backward (accumulated onto ones)");
    }

    private static float[] Random(Rng rng, int n)
    {
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)rng.NextNormal();
        return x;
    }
}
