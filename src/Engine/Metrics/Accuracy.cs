using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Keras's accuracy, chosen by the kind of target: sparse_categorical_accuracy (label ==
/// argmax of the scores), categorical_accuracy (argmax of the one-hot target == argmax of the
/// scores; logits or probabilities give the same answer) or binary_accuracy (per element,
/// p &gt; threshold == (t &gt; 0.5), averaged over labels, then over samples).</summary>
public sealed class Accuracy : ClassificationMetric
{
    public Accuracy(TargetKind kind, double threshold = 0.5, string? name = null) : base(kind, name ?? "accuracy") =>
        Threshold = MetricInputs.CheckThreshold(threshold);

    /// <summary>Decision threshold on probabilities (binary targets only).</summary>
    public double Threshold { get; }

    private protected override void Accumulate(Tensor yTrue, Tensor yPred, Tensor? w, int rows, int cols)
    {
        var acc = Accumulator(yPred.Device, 2);
        if (Kind == TargetKind.Binary)
            yPred.Backend.BinaryAccuracyUpdate(yPred, MetricInputs.Dense(yTrue, yPred, rows, cols, Name), w, acc, rows, cols, Threshold);
        else
            yPred.Backend.SparseCategoricalAccuracyUpdate(yPred, MetricInputs.Labels(yTrue, Kind, yPred, rows, cols, Name), w, acc, rows, cols);
    }

    public override double Result()
    {
        Span<double> a = stackalloc double[2];
        return TryReadAccumulator(a) ? Ratio(a[0], a[1]) : 0;
    }

    public override void Reset() => ResetAccumulator();
}
