using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Conv2D either keeps its unfolded input from forward to backward or, when it is large, unfolds
/// x again in backward: both must give bitwise the same gradients (fused float32 path, stride 2 with
/// padding, and the grouped composite path). And float32 batch norm on an intermediate (its first
/// writer overwrites the gradient, later consumers add) matches the float64 graph.</summary>
public class ConvHeldColumnsTests
{
    [Theory]
    [InlineData(1, 1, Padding.Valid)]
    [InlineData(2, 1, Padding.Same)]
    [InlineData(1, 2, Padding.Same)]
    public void UnfoldingAgainInBackwardGivesTheSameBits(int stride, int groups, Padding padding)
    {
        var held = Gradients(stride, groups, padding, long.MaxValue);
        var again = Gradients(stride, groups, padding, 0);
        Assert.NotEmpty(held[0]);
        for (var i = 0; i < held.Length; i++) Assert.Equal(held[i], again[i]);
    }

    private static float[][] Gradients(int stride, int groups, Padding padding, long maxHeld)
    {
        var rng = new Rng(31);
        var (n, c, h, w, f) = (3, 4, 9, 8, 6);
        using var x = Tensor.FromArray(Enumerable.Range(0, n * c * h * w).Select(_ => (float)rng.NextNormal()).ToArray(), n, c, h, w);
        using var k = Tensor.FromArray(Enumerable.Range(0, f * c / groups * 9).Select(_ => (float)rng.NextNormal()).ToArray(), f, c / groups, 3, 3);
        using var b = Tensor.FromArray(Enumerable.Range(0, f).Select(_ => (float)rng.NextNormal()).ToArray());
        x.RequiresGrad = k.RequiresGrad = b.RequiresGrad = true;
        var previous = Ops.MaxHeldColumnElements;
        try
        {
            Ops.MaxHeldColumnElements = maxHeld;
            using var scope = new TensorScope();
            var y = Ops.Conv2D(x, k, b, stride, stride, (ConvPadding)padding, 1, 1, groups, relu: true);
            using var r = Tensor.FromArray(Enumerable.Range(0, y.Size).Select(_ => (float)rng.NextNormal()).ToArray(), y.Shape);
            Ops.Sum(Ops.Mul(y, r)).Backward();
        }
        finally
        {
            Ops.MaxHeldColumnElements = previous;
        }
        return [x.Grad!.ToFloatArray(), k.Grad!.ToFloatArray(), b.Grad!.ToFloatArray()];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32BatchNormOnAnIntermediateMatchesFloat64(bool bnFirst)
    {
        var f32 = BatchNormGraph(DType.Float32, bnFirst);
        var f64 = BatchNormGraph(DType.Float64, bnFirst);
        for (var t = 0; t < f32.Length; t++)
        {
            var scale = Math.Max(1, f64[t].Max(Math.Abs));
            for (var i = 0; i < f32[t].Length; i++)
                Assert.True(Math.Abs(f32[t][i] - f64[t][i]) <= 1e-4 * scale, $"gradient {t}[{i}]: float32 {f32[t][i]} vs float64 {f64[t][i]}");
        }
    }

    /// <summary>h = x·2 feeds batch norm and, besides, the loss directly; the order of the two consumers
    /// decides which backward writes h's gradient first.</summary>
    private static double[][] BatchNormGraph(DType dtype, bool bnFirst)
    {
        var rng = new Rng(32);
        var (n, c, hw) = (4, 3, 10);
        Tensor Make(params int[] shape)
        {
            var values = Enumerable.Range(0, shape.Aggregate(1, (a, d) => a * d)).Select(_ => rng.NextNormal()).ToArray();
            return dtype == DType.Float64 ? Tensor.FromArray(values, shape) : Tensor.FromArray(values.Select(v => (float)v).ToArray(), shape);
        }
        using var x = Make(n, c, 2, 5);
        using var gamma = Make(c);
        using var beta = Make(c);
        using var mean = Tensor.Zeros(new Shape(c), dtype);
        using var variance = Tensor.Full(new Shape(c), 1, dtype);
        using var r1 = Make(n, c, 2, 5);
        using var r2 = Make(n, c, 2, 5);
        x.RequiresGrad = gamma.RequiresGrad = beta.RequiresGrad = true;
        using (new TensorScope())
        {
            var h = Ops.Add(x, x);
            var direct = Ops.Sum(Ops.Mul(h, r2));
            var normed = Ops.Sum(Ops.Mul(Ops.BatchNorm(h, gamma, beta, mean, variance, training: true), r1));
            (bnFirst ? Ops.Add(normed, direct) : Ops.Add(direct, normed)).Backward();
        }
        return [x.Grad!.ToDoubleArray(), gamma.Grad!.ToDoubleArray(), beta.Grad!.ToDoubleArray()];
    }
}
