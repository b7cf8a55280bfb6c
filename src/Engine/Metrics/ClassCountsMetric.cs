using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Base of Precision, Recall and F1: accumulates true positives, false positives and false
/// negatives per class on the device, then scores them micro- or macro-averaged.
/// Binary (multi-label) targets: each label is thresholded on its own (p &gt; threshold), as Keras's
/// Precision/Recall do; micro-averaging then pools all labels (Keras's default). Class targets
/// (sparse or one-hot): the predicted class is the argmax, as Keras's F1Score with threshold=None;
/// micro precision = micro recall = accuracy there, so macro is the informative average.
/// Undefined ratios (0/0) count as 0 and macro averages run over every class, like Keras's
/// F1Score (sklearn does the same with zero_division=0 when every class occurs).</summary>
public abstract class ClassCountsMetric : ClassificationMetric
{
    private int _classes;

    private protected override int Extent
    {
        get => _classes;
        set => _classes = value;
    }

    protected ClassCountsMetric(TargetKind kind, Averaging average, double threshold, string name) : base(kind, name)
    {
        Average = average;
        Threshold = MetricInputs.CheckThreshold(threshold);
    }

    public Averaging Average { get; }

    /// <summary>Decision threshold on probabilities (binary targets only).</summary>
    public double Threshold { get; }

    /// <summary>The score of one class (or of the pooled counts) from its counts.</summary>
    protected abstract double Score(double truePositives, double falsePositives, double falseNegatives);

    private protected override void Accumulate(Tensor yTrue, Tensor yPred, Tensor? w, int rows, int cols)
    {
        if (Kind == TargetKind.Binary)
        {
            var targets = MetricInputs.Dense(yTrue, yPred, rows, cols, Name);
            yPred.Backend.MultiLabelConfusionUpdate(yPred, targets, w, Accumulator(yPred.Device, 4 * cols), rows, cols, Threshold);
        }
        else
        {
            var labels = MetricInputs.Labels(yTrue, Kind, yPred, rows, cols, Name);
            yPred.Backend.SparseClassCountsUpdate(yPred, labels, w, Accumulator(yPred.Device, 3 * cols), rows, cols);
        }
        _classes = cols;
    }

    /// <summary>Per-class (per-label) true positives, false positives and false negatives so far.</summary>
    public (double[] TruePositives, double[] FalsePositives, double[] FalseNegatives) Counts()
    {
        if (ReadAccumulator() is not { } a) return ([], [], []);
        var c = _classes;
        return (a[..c], a[c..(2 * c)], a[(2 * c)..(3 * c)]);
    }

    /// <summary>The score of each class (label), in class order; empty before any update.</summary>
    public double[] ResultPerClass()
    {
        var (tp, fp, fn) = Counts();
        var scores = new double[tp.Length];
        for (var c = 0; c < scores.Length; c++) scores[c] = Score(tp[c], fp[c], fn[c]);
        return scores;
    }

    public override double Result()
    {
        var (tp, fp, fn) = Counts();
        if (tp.Length == 0) return 0;
        if (Average == Averaging.Micro) return Score(tp.Sum(), fp.Sum(), fn.Sum());
        var scores = new double[tp.Length];
        for (var c = 0; c < scores.Length; c++) scores[c] = Score(tp[c], fp[c], fn[c]);
        return scores.Average();
    }

    public override void Reset() => ResetAccumulator();
}
