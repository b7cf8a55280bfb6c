using Engine.Tensors;

namespace Engine.Models;

/// <summary>One training or evaluation batch: one tensor per model input, targets by output name (host tensors).</summary>
internal readonly record struct StepBatch(IReadOnlyList<Tensor> X, IReadOnlyDictionary<string, Tensor> Y, Tensor? SampleWeight, bool Owned = false)
{
    /// <summary>Frees batches that Fit cut itself or that a dataset handed over (FreshBatches): nobody
    /// else holds them, so their tensor objects serve the next batch (a user's dataset that keeps its
    /// tensors is not owned and left alone).</summary>
    public void Release()
    {
        if (!Owned) return;
        for (var i = 0; i < X.Count; i++) X[i].DisposeForReuse();
        if (Y is Dictionary<string, Tensor> y) // the usual case, without a boxed enumerator
            foreach (var t in y.Values) t.DisposeForReuse();
        else
            foreach (var t in Y.Values) t.DisposeForReuse();
        SampleWeight?.DisposeForReuse();
    }
}
