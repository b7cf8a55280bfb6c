namespace Engine.Metrics;

/// <summary>Recall = tp / (tp + fn), micro- or macro-averaged (see <see cref="ClassCountsMetric"/>).</summary>
public sealed class Recall(TargetKind kind, Averaging average = Averaging.Micro, double threshold = 0.5, string? name = null)
    : ClassCountsMetric(kind, average, threshold, name ?? "recall")
{
    protected override double Score(double truePositives, double falsePositives, double falseNegatives) =>
        Ratio(truePositives, truePositives + falseNegatives);
}
