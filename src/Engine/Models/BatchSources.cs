using Engine.Tensors;

namespace Engine.Models;

/// <summary>One training or evaluation batch with targets by output name (host tensors).</summary>
internal sealed record StepBatch(Tensor X, IReadOnlyDictionary<string, Tensor> Y, Tensor? SampleWeight, bool Owned = false)
{
    /// <summary>Frees batches that Fit cut itself (a user's dataset keeps its own tensors).</summary>
    public void Release()
    {
        if (!Owned) return;
        X.Dispose();
        foreach (var t in Y.Values) t.Dispose();
        SampleWeight?.Dispose();
    }
}

/// <summary>Where Fit and Evaluate get batches from: arrays or an <see cref="IDataset"/>.</summary>
internal interface IBatchSource
{
    int BatchCount { get; }

    /// <summary>The batches of one epoch; array sources shuffle with <paramref name="shuffle"/> when given.</summary>
    IEnumerable<StepBatch> Batches(int epoch, Rng? shuffle);
}

/// <summary>Batches cut from whole arrays held on the host (Keras's fit(x, y)).</summary>
internal sealed class ArraySource(Tensor x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, int batchSize, bool shuffle) : IBatchSource
{
    public int Count => x.Shape[0];

    public int BatchCount => (Count + batchSize - 1) / batchSize;

    public IEnumerable<StepBatch> Batches(int epoch, Rng? rng)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        if (shuffle && rng is not null) rng.Shuffle(order.AsSpan());
        for (var start = 0; start < Count; start += batchSize)
        {
            var rows = order.AsSpan(start, Math.Min(batchSize, Count - start)).ToArray();
            yield return new StepBatch(
                HostRows.Gather(x, rows),
                y.ToDictionary(kv => kv.Key, kv => HostRows.Gather(kv.Value, rows)),
                sampleWeight is null ? null : HostRows.Gather(sampleWeight, rows),
                Owned: true);
        }
    }
}

/// <summary>Batches from a user's dataset; for a multi-output model <paramref name="targets"/> maps
/// the dataset's Y to one target per output.</summary>
internal sealed class DatasetSource(IDataset dataset, string singleOutput, Func<Tensor, IReadOnlyDictionary<string, Tensor>>? targets) : IBatchSource
{
    public int BatchCount => dataset.BatchCount;

    public IEnumerable<StepBatch> Batches(int epoch, Rng? shuffle)
    {
        foreach (var b in dataset.GetBatches(epoch))
        {
            var y = targets is not null ? targets(b.Y) : new Dictionary<string, Tensor> { [singleOutput] = b.Y };
            yield return new StepBatch(b.X, y, b.SampleWeight);
        }
    }
}
