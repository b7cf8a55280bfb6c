using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Area under the ROC curve, as Keras's AUC (curve='ROC', summation_method='interpolation'):
/// weighted counts of predictions above each of numThresholds evenly spaced thresholds in [0, 1],
/// then the trapezoid rule over (false positive rate, true positive rate). Predictions must be
/// probabilities. Macro (default): the mean of the per-label AUCs (Keras multi_label=True; for
/// class targets the one-vs-rest AUC per class, as sklearn's multi_class='ovr'); micro: one AUC over
/// all labels pooled (Keras multi_label=False). A label with no positives (or no negatives) has a
/// rate of 0 throughout and scores 0, as in Keras.</summary>
public sealed class Auc : ClassificationMetric
{
    private int _labels;

    private protected override int Extent
    {
        get => _labels;
        set => _labels = value;
    }

    public Auc(TargetKind kind = TargetKind.Binary, int numThresholds = 200, Averaging average = Averaging.Macro, string? name = null)
        : base(kind, name ?? "auc")
    {
        if (numThresholds < 2) throw new ArgumentOutOfRangeException(nameof(numThresholds), numThresholds, "AUC needs numThresholds >= 2.");
        NumThresholds = numThresholds;
        Average = average;
    }

    public int NumThresholds { get; }

    public Averaging Average { get; }

    private protected override void Accumulate(Tensor yTrue, Tensor yPred, Tensor? w, int rows, int cols)
    {
        var histogram = Accumulator(yPred.Device, cols * 2 * (NumThresholds + 1));
        if (Kind == TargetKind.SparseCategorical)
        {
            var labels = MetricInputs.Labels(yTrue, Kind, yPred, rows, cols, Name);
            yPred.Backend.SparseAucHistogramUpdate(yPred, labels, w, histogram, rows, cols, NumThresholds);
        }
        else
            yPred.Backend.AucHistogramUpdate(yPred, MetricInputs.Dense(yTrue, yPred, rows, cols, Name), w, histogram, rows, cols, NumThresholds);
        _labels = cols;
    }

    /// <summary>The AUC of each label (class), in order; empty before any update.</summary>
    public double[] ResultPerLabel()
    {
        if (ReadAccumulator() is not { } h) return [];
        var buckets = NumThresholds + 1;
        var result = new double[_labels];
        for (var l = 0; l < _labels; l++)
            result[l] = AreaUnderRoc(h.AsSpan(l * 2 * buckets + buckets, buckets), h.AsSpan(l * 2 * buckets, buckets));
        return result;
    }

    public override double Result()
    {
        if (ReadAccumulator() is not { } h) return 0;
        var buckets = NumThresholds + 1;
        if (Average == Averaging.Micro)
        {
            var pos = new double[buckets];
            var neg = new double[buckets];
            for (var l = 0; l < _labels; l++)
                for (var b = 0; b < buckets; b++)
                {
                    neg[b] += h[l * 2 * buckets + b];
                    pos[b] += h[l * 2 * buckets + buckets + b];
                }
            return AreaUnderRoc(pos, neg);
        }
        var sum = 0.0;
        for (var l = 0; l < _labels; l++)
            sum += AreaUnderRoc(h.AsSpan(l * 2 * buckets + buckets, buckets), h.AsSpan(l * 2 * buckets, buckets));
        return sum / _labels;
    }

    /// <summary>From histograms of positives and negatives by bucket (bucket b = number of thresholds
    /// below the prediction): tp_i = Σ_{b &gt; i} pos[b], likewise fp_i; then Σ_i (fpr_i - fpr_{i+1})·(tpr_i + tpr_{i+1})/2.</summary>
    private double AreaUnderRoc(ReadOnlySpan<double> positives, ReadOnlySpan<double> negatives)
    {
        double totalPos = 0, totalNeg = 0;
        foreach (var v in positives) totalPos += v;
        foreach (var v in negatives) totalNeg += v;
        var tpr = new double[NumThresholds];
        var fpr = new double[NumThresholds];
        double tp = totalPos - positives[0], fp = totalNeg - negatives[0]; // above threshold 0: buckets 1..n
        for (var i = 0; i < NumThresholds; i++)
        {
            tpr[i] = Ratio(tp, totalPos);
            fpr[i] = Ratio(fp, totalNeg);
            tp -= positives[i + 1];
            fp -= negatives[i + 1];
        }
        var area = 0.0;
        for (var i = 0; i < NumThresholds - 1; i++) area += (fpr[i] - fpr[i + 1]) * (tpr[i] + tpr[i + 1]) / 2;
        return area;
    }

    public override void Reset() => ResetAccumulator();
}
