using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Accumulates the confusion matrix (true class by row, predicted class by column, as
/// sklearn's confusion_matrix; weighted counts). Class targets: the predicted class is the argmax.
/// Binary targets with one output: a 2×2 matrix [[tn, fp], [fn, tp]] at the threshold. Result()
/// is the accuracy, trace / total.</summary>
public sealed class ConfusionMatrix : ClassificationMetric
{
    private int _classes;

    private protected override int Extent
    {
        get => _classes;
        set => _classes = value;
    }

    public ConfusionMatrix(TargetKind kind, double threshold = 0.5, string? name = null) : base(kind, name ?? "confusion_matrix") =>
        Threshold = MetricInputs.CheckThreshold(threshold);

    /// <summary>Decision threshold on probabilities (binary targets only).</summary>
    public double Threshold { get; }

    private protected override void Accumulate(Tensor yTrue, Tensor yPred, Tensor? w, int rows, int cols)
    {
        if (Kind == TargetKind.Binary)
        {
            if (cols != 1)
                throw new ArgumentException($"Metric '{Name}' with binary targets needs one output column; received predictions {yPred.Shape}. For multi-label outputs use Precision/Recall per label (ResultPerClass).");
            var targets = MetricInputs.Dense(yTrue, yPred, rows, cols, Name);
            yPred.Backend.MultiLabelConfusionUpdate(yPred, targets, w, Accumulator(yPred.Device, 4), rows, 1, Threshold);
            _classes = 2;
        }
        else
        {
            var labels = MetricInputs.Labels(yTrue, Kind, yPred, rows, cols, Name);
            yPred.Backend.ConfusionMatrixUpdate(yPred, labels, w, Accumulator(yPred.Device, cols * cols), rows, cols);
            _classes = cols;
        }
    }

    /// <summary>The matrix so far, [true class, predicted class]; 0×0 before any update.</summary>
    public double[,] Matrix()
    {
        if (ReadAccumulator() is not { } a) return new double[0, 0];
        if (Kind == TargetKind.Binary)
            return new[,] { { a[3], a[1] }, { a[2], a[0] } }; // counts are tp, fp, fn, tn
        var m = new double[_classes, _classes];
        for (var i = 0; i < _classes; i++)
            for (var j = 0; j < _classes; j++)
                m[i, j] = a[i * _classes + j];
        return m;
    }

    public override double Result()
    {
        var m = Matrix();
        double trace = 0, total = 0;
        for (var i = 0; i < m.GetLength(0); i++)
            for (var j = 0; j < m.GetLength(1); j++)
            {
                total += m[i, j];
                if (i == j) trace += m[i, j];
            }
        return Ratio(trace, total);
    }

    public override void Reset() => ResetAccumulator();
}
