using Engine.Tensors;

namespace Engine.Models;

/// <summary>Batches from a user's dataset; for a multi-output model <paramref name="targets"/> maps
/// the dataset's Y to one target per output.</summary>
internal sealed class DatasetSource(IDataset dataset, string singleOutput, Func<Tensor, IReadOnlyDictionary<string, Tensor>>? targets) : IBatchSource
{
    public int BatchCount => dataset.BatchCount;

    public IEnumerable<StepBatch> Batches(int epoch, Rng? shuffle, int firstBatch = 0)
    {
        foreach (var b in dataset.GetBatches(epoch, firstBatch))
        {
            var y = targets is not null ? targets(b.Y) : new Dictionary<string, Tensor> { [singleOutput] = b.Y };
            yield return new StepBatch([b.X], y, b.SampleWeight, Owned: dataset.FreshBatches);
        }
    }
}
