using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Keras (sparse_)top_k_categorical_accuracy: a sample counts when its true class is among
/// the k highest scores (ties at the boundary count, as tf.math.in_top_k).</summary>
public sealed class TopKAccuracy : ClassificationMetric
{
    public TopKAccuracy(int k = 5, TargetKind kind = TargetKind.SparseCategorical, string? name = null) : base(kind, name ?? "top_k_accuracy")
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "Top-k accuracy needs k >= 1.");
        if (kind == TargetKind.Binary)
            throw new ArgumentException("Top-k accuracy needs class targets (sparse or categorical), not binary ones.", nameof(kind));
        K = k;
    }

    public int K { get; }

    private protected override void Accumulate(Tensor yTrue, Tensor yPred, Tensor? w, int rows, int cols)
    {
        var labels = MetricInputs.Labels(yTrue, Kind, yPred, rows, cols, Name);
        yPred.Backend.SparseTopKAccuracyUpdate(yPred, labels, w, Accumulator(yPred.Device, 2), rows, cols, K);
    }

    public override double Result()
    {
        Span<double> a = stackalloc double[2];
        return TryReadAccumulator(a) ? Ratio(a[0], a[1]) : 0;
    }

    public override void Reset() => ResetAccumulator();
}
