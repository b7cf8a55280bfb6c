using Engine.Tensors;

namespace Engine.Models;

/// <summary>Where Fit and Evaluate get batches from: arrays or an <see cref="IDataset"/>.</summary>
internal interface IBatchSource
{
    int BatchCount { get; }

    /// <summary>The batches of one epoch, from batch <paramref name="firstBatch"/> on (a resumed epoch);
    /// array sources shuffle the whole epoch with <paramref name="shuffle"/> when given.</summary>
    IEnumerable<StepBatch> Batches(int epoch, Rng? shuffle, int firstBatch = 0);
}
