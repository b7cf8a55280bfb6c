using Engine.Tensors;

namespace Engine.Tests;

/// <summary>Seeded float64 targets and probabilities for loss tests. None of them require grad:
/// targets are constants to every loss.</summary>
internal static class LossTestData
{
    /// <summary>Rows of positive values that sum to 1 (a soft class distribution).</summary>
    public static Tensor SoftTargets(Rng rng, int rows, int cols)
    {
        var d = new double[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            var sum = 0.0;
            for (var j = 0; j < cols; j++) sum += d[r * cols + j] = 0.1 + rng.NextDouble();
            for (var j = 0; j < cols; j++) d[r * cols + j] /= sum;
        }
        return Tensor.FromArray(d, rows, cols);
    }

    public static Tensor OneHot(int[] labels, int classes)
    {
        var d = new double[labels.Length * classes];
        for (var i = 0; i < labels.Length; i++) d[i * classes + labels[i]] = 1;
        return Tensor.FromArray(d, labels.Length, classes);
    }

    public static Tensor Uniform(Rng rng, double low, double high, params int[] shape) =>
        Tensor.RandomUniform(new Shape(shape), rng, low, high, DType.Float64);

    /// <summary>Zeros and ones.</summary>
    public static Tensor Binary(Rng rng, params int[] shape)
    {
        var d = new double[new Shape(shape).Size];
        for (var i = 0; i < d.Length; i++) d[i] = rng.NextDouble() < 0.5 ? 0 : 1;
        return Tensor.FromArray(d, shape);
    }

    /// <summary>Probabilities in [0.05, 0.95], well inside any clip range, requiring grad.</summary>
    public static Tensor Probabilities(Rng rng, params int[] shape)
    {
        var t = Tensor.RandomUniform(new Shape(shape), rng, 0.05, 0.95, DType.Float64);
        t.RequiresGrad = true;
        return t;
    }
}
