namespace Engine.Metrics;

/// <summary>Precision = tp / (tp + fp), micro- or macro-averaged (see <see cref="ClassCountsMetric"/>).</summary>
public sealed class Precision(TargetKind kind, Averaging average = Averaging.Micro, double threshold = 0.5, string? name = null)
    : ClassCountsMetric(kind, average, threshold, name ?? "precision")
{
    protected override double Score(double truePositives, double falsePositives, double falseNegatives) =>
        Ratio(truePositives, truePositives + falsePositives);
}
