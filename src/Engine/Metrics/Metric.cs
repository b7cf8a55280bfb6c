using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>How targets are encoded, which decides what "accuracy" means (as in Keras).</summary>
public enum TargetKind
{
    /// <summary>int32 class indices [N] against scores [N, C].</summary>
    SparseCategorical,

    /// <summary>one-hot (or soft) targets [N, C] against scores [N, C].</summary>
    Categorical,

    /// <summary>independent 0/1 targets [N, L] (multi-label) against probabilities [N, L].</summary>
    Binary,
}

/// <summary>A streaming metric: <see cref="Update"/> accumulates on the device of the predictions
/// (no host synchronisation per step); <see cref="Result"/> reads the value once.</summary>
public abstract partial class Metric
{
    /// <summary>Name used in logs and History keys ("accuracy", "precision", "auc", …).</summary>
    public abstract string Name { get; }

    public abstract void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

    public abstract double Result();

    public abstract void Reset();
}
