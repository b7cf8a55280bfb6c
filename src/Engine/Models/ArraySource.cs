using Engine.Tensors;

namespace Engine.Models;

/// <summary>Batches cut from whole arrays held on the host (Keras's fit(x, y)); one x per model input.</summary>
internal sealed class ArraySource(IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y, Tensor? sampleWeight, int batchSize, bool shuffle) : IBatchSource
{
    public int Count => x[0].Shape[0];

    public int BatchCount => (Count + batchSize - 1) / batchSize;

    public IEnumerable<StepBatch> Batches(int epoch, Rng? rng, int firstBatch = 0)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        if (shuffle && rng is not null) rng.Shuffle(order.AsSpan());
        for (var start = firstBatch * batchSize; start < Count; start += batchSize)
        {
            var rows = order.AsSpan(start, Math.Min(batchSize, Count - start)).ToArray();
            yield return new StepBatch(
                x.Select(t => HostRows.Gather(t, rows)).ToArray(),
                y.ToDictionary(kv => kv.Key, kv => HostRows.Gather(kv.Value, rows)),
                sampleWeight is null ? null : HostRows.Gather(sampleWeight, rows),
                Owned: true);
        }
    }
}
