using Engine.Tensors;

namespace Engine.Models;

/// <summary>One training or evaluation batch: one tensor per model input, targets by output name (host tensors).</summary>
internal readonly record struct StepBatch(IReadOnlyList<Tensor> X, IReadOnlyDictionary<string, Tensor> Y, Tensor? SampleWeight, bool Owned = false)
{
    /// <summary>Frees batches that Fit cut itself (a user's dataset keeps its own tensors).</summary>
    public void Release()
    {
        if (!Owned) return;
        foreach (var x in X) x.Dispose();
        foreach (var t in Y.Values) t.Dispose();
        SampleWeight?.Dispose();
    }
}
