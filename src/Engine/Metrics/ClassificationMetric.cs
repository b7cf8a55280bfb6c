using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Base of the metrics that score predictions [rows, cols] against targets of one
/// <see cref="TargetKind"/>: every update checks the predictions and the sample weights the same
/// way, inside one tensor scope for its temporaries, then accumulates on the device.</summary>
public abstract class ClassificationMetric : Metric
{
    private protected ClassificationMetric(TargetKind kind, string name)
    {
        Kind = kind;
        Name = name;
    }

    public TargetKind Kind { get; }

    public override string Name { get; }

    public sealed override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var (rows, cols) = MetricInputs.Predictions(yPred, Name);
        using var scope = TensorScope.Rent();
        var w = MetricInputs.Weights(sampleWeight, yPred, rows, Name);
        Accumulate(yTrue, yPred, w, rows, cols);
    }

    /// <summary>Adds one batch to the accumulators; the sample weights <paramref name="w"/> are checked ([rows] or null).</summary>
    private protected abstract void Accumulate(Tensor yTrue, Tensor yPred, Tensor? w, int rows, int cols);
}
