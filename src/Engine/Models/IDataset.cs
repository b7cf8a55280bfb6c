using Engine.Tensors;

namespace Engine.Models;

/// <summary>One batch: inputs NCHW (or [N, features]), targets (int32 [N] class indices, or float
/// [N, C] one-hot / multi-hot) and optional per-sample weights [N]. Host tensors; Fit moves them
/// to the model's device.</summary>
public sealed record Batch(Tensor X, Tensor Y, Tensor? SampleWeight = null);

/// <summary>A source of batches for Fit/Evaluate (image folders, CSV multi-label sets, arrays).</summary>
public interface IDataset
{
    /// <summary>Batches per epoch, for progress display.</summary>
    int BatchCount { get; }

    /// <summary>The batches of one epoch; deterministic for a given seed and epoch (shuffling and
    /// augmentation draw from both), so resumed training sees the same data.</summary>
    IEnumerable<Batch> GetBatches(int epoch);

    /// <summary>The batches of epoch <paramref name="epoch"/> from batch <paramref name="firstBatch"/> on,
    /// the same as those <see cref="GetBatches(int)"/> gives there (a Fit resumed mid-epoch). Datasets
    /// that can start in the middle without making the batches before override this.</summary>
    IEnumerable<Batch> GetBatches(int epoch, int firstBatch) => firstBatch == 0 ? GetBatches(epoch) : GetBatches(epoch).Skip(firstBatch);

    /// <summary>True when every batch is made anew for the enumeration that yields it and nothing else
    /// holds it: Fit and Evaluate then dispose each batch's tensors once its step has run, so
    /// pooled memory goes back for the next batch instead of to the garbage collector. False (the
    /// default) for datasets that hand out tensors they keep.</summary>
    bool FreshBatches => false;
}
