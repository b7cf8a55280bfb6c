using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>A small, separable image task generated from a seed: class k puts a bright bar at its own
/// place in a noisy grayscale image (channels-first). Stands in for real digits in fast tests.</summary>
internal static class SyntheticImages
{
    public static (Tensor X, Tensor Y) Make(int n, int classes = 10, ulong seed = 1, int size = 28)
    {
        var rng = new Rng(seed);
        var x = new float[n * size * size];
        var y = new int[n];
        var cols = (classes + 1) / 2;
        var cellW = size / cols;
        for (var i = 0; i < n; i++)
        {
            var c = rng.NextInt(classes);
            y[i] = c;
            var img = x.AsSpan(i * size * size, size * size);
            for (var p = 0; p < img.Length; p++) img[p] = (float)(0.3 * rng.NextDouble());
            var top = (c / cols) * (size / 2) + 1 + rng.NextInt(3);
            var left = (c % cols) * cellW + rng.NextInt(Math.Max(1, cellW - 2));
            for (var a = 0; a < size / 3; a++)
                for (var b = 0; b < 2; b++)
                    img[Math.Min(size - 1, top + a) * size + Math.Min(size - 1, left + b)] = 1f;
        }
        return (Tensor.FromArray(x, new Shape(n, 1, size, size)), Tensor.FromArray(y));
    }

    /// <summary>One-hot float targets for integer labels.</summary>
    public static Tensor OneHot(Tensor labels, int classes)
    {
        var l = labels.ToArray<int>();
        var d = new float[l.Length * classes];
        for (var i = 0; i < l.Length; i++) d[i * classes + l[i]] = 1;
        return Tensor.FromArray(d, new Shape(l.Length, classes));
    }

    /// <summary>Feature vectors for tiny dense models: class k is a Gaussian blob around a seeded center.</summary>
    public static (Tensor X, Tensor Y) Blobs(int n, int features = 6, int classes = 3, ulong seed = 3)
    {
        var rng = new Rng(seed);
        var centers = new double[classes * features];
        for (var i = 0; i < centers.Length; i++) centers[i] = 3 * rng.NextNormal();
        var x = new float[n * features];
        var y = new int[n];
        for (var i = 0; i < n; i++)
        {
            var c = rng.NextInt(classes);
            y[i] = c;
            for (var f = 0; f < features; f++) x[i * features + f] = (float)(centers[c * features + f] + rng.NextNormal());
        }
        return (Tensor.FromArray(x, new Shape(n, features)), Tensor.FromArray(y));
    }
}

/// <summary>An in-memory <see cref="IDataset"/> over arrays, in fixed order (a user's dataset).</summary>
internal sealed class FixedOrderDataset(Tensor x, Tensor y, int batchSize) : IDataset
{
    public int BatchCount => (x.Shape[0] + batchSize - 1) / batchSize;

    public IEnumerable<Batch> GetBatches(int epoch)
    {
        for (var start = 0; start < x.Shape[0]; start += batchSize)
        {
            var n = Math.Min(batchSize, x.Shape[0] - start);
            yield return new Batch(HostRows.Slice(x, start, n), HostRows.Slice(y, start, n));
        }
    }
}
