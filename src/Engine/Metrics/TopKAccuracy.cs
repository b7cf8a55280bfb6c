using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Keras (sparse_)top_k_categorical_accuracy: a sample counts when its true class is among
/// the k highest scores (ties at the boundary count, as tf.math.in_top_k).</summary>
public sealed class TopKAccuracy : Metric
{
    public TopKAccuracy(int k = 5, TargetKind kind = TargetKind.SparseCategorical, string? name = null)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "Top-k accuracy needs k >= 1.");
        if (kind == TargetKind.Binary)
            throw new ArgumentException("Top-k accuracy needs class targets (sparse or categorical), not binary ones.", nameof(kind));
        K = k;
        Kind = kind;
        Name = name ?? "top_k_accuracy";
    }

    public int K { get; }

    public TargetKind Kind { get; }

    public override string Name { get; }

    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var (rows, cols) = MetricInputs.Predictions(yPred, Name);
        using var scope = new TensorScope();
        var w = MetricInputs.Weights(sampleWeight, yPred, rows, Name);
        var labels = MetricInputs.Labels(yTrue, Kind, yPred, rows, cols, Name);
        yPred.Backend.SparseTopKAccuracyUpdate(yPred, labels, w, Accumulator(yPred.Device, 2), rows, cols, K);
    }

    public override double Result() => ReadAccumulator() is { } a ? Ratio(a[0], a[1]) : 0;

    public override void Reset() => ResetAccumulator();
}
