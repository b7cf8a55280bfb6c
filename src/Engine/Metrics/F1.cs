namespace Engine.Metrics;

/// <summary>F1 = 2·tp / (2·tp + fp + fn) (the harmonic mean of precision and recall), micro- or
/// macro-averaged (see <see cref="ClassCountsMetric"/>). Keras's F1Score adds 1e-7 to each
/// denominator; this is the exact value, as sklearn's f1_score.</summary>
public sealed class F1(TargetKind kind, Averaging average = Averaging.Micro, double threshold = 0.5, string? name = null)
    : ClassCountsMetric(kind, average, threshold, name ?? (average == Averaging.Macro ? "f1_macro" : "f1"))
{
    protected override double Score(double truePositives, double falsePositives, double falseNegatives) =>
        Ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives);
}
