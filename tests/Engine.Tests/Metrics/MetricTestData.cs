using Engine.Tensors;

namespace Engine.Tests.Metrics;

internal static class MetricTestData
{
    public static Tensor Matrix(double[][] rows) =>
        Tensor.FromArray(rows.SelectMany(r => r.Select(v => (float)v)).ToArray(), rows.Length, rows[0].Length);

    public static Tensor Labels(params int[] labels) => Tensor.FromArray(labels);

    public static Tensor Weights(params double[] w) => Tensor.FromArray(Array.ConvertAll(w, v => (float)v));

    public static Tensor OneHot(int classes, params int[] labels)
    {
        var a = new float[labels.Length * classes];
        for (var r = 0; r < labels.Length; r++) a[r * classes + labels[r]] = 1;
        return Tensor.FromArray(a, labels.Length, classes);
    }
}
