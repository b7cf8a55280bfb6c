using Engine.Tensors;

namespace Engine.Metrics;

/// <summary>Checks and normalises a metric's inputs using shapes only (no device reads): predictions
/// [N, C] (or [N], read as [N, 1]); sparse labels int32 [N] (float labels are cast); dense targets
/// with the predictions' shape; sample weights [N]. Temporaries (casts, argmaxes) go into the
/// caller's TensorScope.</summary>
internal static class MetricInputs
{
    /// <summary>The decision threshold of a metric, refused unless finite.</summary>
    public static double CheckThreshold(double threshold) => double.IsFinite(threshold)
        ? threshold
        : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a finite number.");

    public static (int Rows, int Cols) Predictions(Tensor yPred, string metric)
    {
        ArgumentNullException.ThrowIfNull(yPred);
        if (!yPred.DType.IsFloating())
            throw new ArgumentException($"Metric '{metric}' expects float predictions; received {yPred.DType.Name()}.");
        return yPred.Rank switch
        {
            1 => (yPred.Shape[0], 1),
            2 => (yPred.Shape[0], yPred.Shape[1]),
            _ => throw new ArgumentException($"Metric '{metric}' expects predictions of shape (batch, classes); received {yPred.Shape}."),
        };
    }

    public static Tensor? Weights(Tensor? sampleWeight, Tensor yPred, int rows, string metric)
    {
        if (sampleWeight is null) return null;
        if (sampleWeight.Size != rows || sampleWeight.Rank > 2 || sampleWeight.Rank == 2 && sampleWeight.Shape[1] != 1)
            throw new ArgumentException($"Metric '{metric}' expects one sample weight per row, shape ({rows},); received {sampleWeight.Shape}.");
        SameDevice(sampleWeight, yPred, "sample weights", metric);
        return sampleWeight.DType == yPred.DType ? sampleWeight : sampleWeight.To(yPred.DType);
    }

    /// <summary>int32 class indices [rows]: sparse labels as given (cast when float), or the argmax of
    /// one-hot targets.</summary>
    public static Tensor Labels(Tensor yTrue, TargetKind kind, Tensor yPred, int rows, int cols, string metric)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        SameDevice(yTrue, yPred, "targets", metric);
        if (kind == TargetKind.SparseCategorical)
        {
            if (yTrue.Size != rows || yTrue.Rank > 2 || yTrue.Rank == 2 && yTrue.Shape[1] != 1)
                throw new ArgumentException($"Metric '{metric}' expects sparse labels of shape ({rows},) for predictions {yPred.Shape}; received {yTrue.Shape}.");
            return yTrue.DType == DType.Int32 ? yTrue : yTrue.To(DType.Int32);
        }
        var dense = Dense(yTrue, yPred, rows, cols, metric);
        var labels = Tensor.Empty(Shape.Of(rows), DType.Int32, yPred.Device);
        yPred.Backend.ArgmaxRows(dense, labels, rows, cols);
        return labels;
    }

    /// <summary>Targets with the predictions' shape and dtype (cast when another dtype).</summary>
    public static Tensor Dense(Tensor yTrue, Tensor yPred, int rows, int cols, string metric)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        SameDevice(yTrue, yPred, "targets", metric);
        var sameShape = yTrue.Rank == 2 ? yTrue.Shape[0] == rows && yTrue.Shape[1] == cols : yTrue.Rank == 1 && cols == 1 && yTrue.Shape[0] == rows;
        if (!sameShape)
            throw new ArgumentException($"Metric '{metric}' expects targets of shape ({rows}, {cols}) like the predictions; received {yTrue.Shape}.");
        return yTrue.DType == yPred.DType ? yTrue : yTrue.To(yPred.DType);
    }

    private static void SameDevice(Tensor t, Tensor yPred, string what, string metric)
    {
        if (t.Device != yPred.Device)
            throw new ArgumentException($"Metric '{metric}' received {what} on {t.Device} and predictions on {yPred.Device}; they must be on one device.");
    }
}
