using Engine.Losses;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Training;

/// <summary>Fit, Evaluate and TrainOnBatch on whole arrays: the checks Keras makes before it starts
/// (same number of samples everywhere, sparse labels in range) and the batch sources cut from the
/// arrays, with the validation split taken from the end.</summary>
internal static class ArrayInputs
{
    /// <summary>The training source and the validation source (validationSplit: the last fraction of
    /// the samples, before shuffling, as Keras does; or validationData).</summary>
    public static (IBatchSource Train, IBatchSource? Validation) Sources(Model model, IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y,
        int batchSize, double validationSplit, (IReadOnlyList<Tensor> X, IReadOnlyDictionary<string, Tensor> Y)? validationData, bool shuffle, Tensor? sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        if (validationSplit > 0 && validationData is not null)
            throw new ArgumentException("Pass either validationSplit or validationData, not both.");
        CheckCardinality(x, y, sampleWeight);
        CheckLabels(model, y);
        var (hx, hy, hsw) = (x.Select(HostRows.OnHost).ToArray(), y.ToDictionary(kv => kv.Key, kv => HostRows.OnHost(kv.Value)), sampleWeight is null ? null : HostRows.OnHost(sampleWeight));
        IBatchSource? val = null;
        if (validationSplit > 0)
        {
            var n = hx[0].Shape[0];
            var split = (int)(n * (1 - validationSplit));
            if (split == 0 || split == n)
                throw new ArgumentException($"validationSplit={validationSplit} leaves {split} training and {n - split} validation samples out of {n}; both must be non-empty.");
            val = new ArraySource(hx.Select(t => HostRows.Slice(t, split, n - split)).ToArray(), hy.ToDictionary(kv => kv.Key, kv => HostRows.Slice(kv.Value, split, n - split)),
                hsw is null ? null : HostRows.Slice(hsw, split, n - split), batchSize, shuffle: false);
            (hx, hy, hsw) = (hx.Select(t => HostRows.Slice(t, 0, split)).ToArray(), hy.ToDictionary(kv => kv.Key, kv => HostRows.Slice(kv.Value, 0, split)), hsw is null ? null : HostRows.Slice(hsw, 0, split));
        }
        else if (validationData is { } v)
        {
            CheckCardinality(v.X, v.Y, null, "validation ");
            val = new ArraySource(v.X.Select(HostRows.OnHost).ToArray(), v.Y.ToDictionary(kv => kv.Key, kv => HostRows.OnHost(kv.Value)), null, batchSize, shuffle: false);
        }
        return (new ArraySource(hx, hy, hsw, batchSize, shuffle), val);
    }

    /// <summary>An unshuffled source over whole arrays (Evaluate).</summary>
    public static IBatchSource Unshuffled(IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        CheckCardinality(x, y, sampleWeight);
        return new ArraySource(x.Select(HostRows.OnHost).ToArray(), y.ToDictionary(kv => kv.Key, kv => HostRows.OnHost(kv.Value)),
            sampleWeight is null ? null : HostRows.OnHost(sampleWeight), batchSize, shuffle: false);
    }

    /// <summary>Checks all sparse labels before training starts (Fit on arrays fails fast).</summary>
    private static void CheckLabels(Model model, IReadOnlyDictionary<string, Tensor> y)
    {
        if (model.Training is not { } training || !model.Built) return;
        foreach (var h in training.Heads)
        {
            if (h.Loss is not SparseCategoricalCrossentropy || !model.OutputShapes.TryGetValue(h.Name, out var shape) || shape.Length != 1) continue;
            var t = y.TryGetValue(h.Name, out var own) ? own : y.Count == 1 ? y.Values.First() : null;
            if (t is null || t.Device.IsCuda) continue;
            var labels = t.DType == DType.Int32 ? t.ToArray<int>() : t.ToDoubleArray().Select(v => (int)v).ToArray();
            SparseCategoricalCrossentropy.CheckRange(labels, shape[0]);
        }
    }

    public static void CheckCardinality(Tensor x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, string what = "")
    {
        ArgumentNullException.ThrowIfNull(x);
        // The common case checked without building the message (TrainOnBatch calls this every step).
        var ok = x.Rank > 0 && (sampleWeight is null || (sampleWeight.Rank == 1 && sampleWeight.Size == x.Shape[0]));
        if (ok && y is Dictionary<string, Tensor> d)
            foreach (var t in d.Values) ok &= t.Rank > 0 && t.Shape[0] == x.Shape[0];
        if (!ok || y is not Dictionary<string, Tensor>) CheckCardinality([x], y, sampleWeight, what);
    }

    public static void CheckCardinality(IReadOnlyList<Tensor> xs, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, string what = "")
    {
        if (xs.Count == 0) throw new ArgumentException($"{what}x must hold one array per model input; received none.");
        foreach (var t in xs)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(xs));
            if (t.Rank == 0) throw new ArgumentException($"{what}x must have a batch axis; received a scalar.");
        }
        var x = xs[0];
        var sizes = new List<string> { xs.Count == 1 ? $"'{what}x' sizes: {x.Shape[0]}" : $"'{what}x' sizes: {string.Join(", ", xs.Select(t => t.Shape[0]))}" };
        var ok = xs.All(t => t.Shape[0] == x.Shape[0]);
        foreach (var (k, t) in y)
        {
            var n = t.Rank == 0 ? 0 : t.Shape[0];
            sizes.Add(y.Count == 1 ? $"'{what}y' sizes: {n}" : $"'{what}y[{k}]' sizes: {n}");
            ok &= n == x.Shape[0];
        }
        if (sampleWeight is not null)
        {
            sizes.Add($"'sample_weight' sizes: {sampleWeight.Size}");
            ok &= sampleWeight.Rank == 1 && sampleWeight.Size == x.Shape[0];
        }
        if (!ok)
            throw new ArgumentException($"Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. {string.Join(", ", sizes)}.");
    }
}
