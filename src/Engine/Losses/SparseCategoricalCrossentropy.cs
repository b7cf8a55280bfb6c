using Engine.Layers;
using Engine.Metrics;

namespace Engine.Losses;

/// <summary>Cross-entropy against integer class labels [N] (int32; float labels are converted).
/// Labels outside [0, C) are an error, as in Keras.</summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    public override string Name => "sparse_categorical_crossentropy";

    public override TargetKind? TargetKind => Metrics.TargetKind.SparseCategorical;

    public override bool FromLogits => fromLogits;

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank != 2)
            throw new ArgumentException($"{Name} expects predictions of shape (batch, classes); received {yPred.Shape}.");
        var labels = Labels(yTrue, yPred);
        if (fromLogits) return Ops.SparseSoftmaxCrossEntropy(yPred, labels);
        if (Activations.TryGetSoftmaxLogits(yPred, out var logits)) return Ops.SparseSoftmaxCrossEntropy(logits, labels);
        var oneHot = OneHot(labels, yPred.Shape[1], yPred.DType, yPred.Device);
        return Ops.CategoricalCrossEntropy(yPred, oneHot);
    }

    /// <summary>int32 labels [N] from [N] or [N, 1] integer or float targets, range-checked on the host.</summary>
    internal Tensor Labels(Tensor yTrue, Tensor yPred)
    {
        var (n, classes) = (yPred.Shape[0], yPred.Shape[1]);
        if (!(yTrue.Rank == 1 || (yTrue.Rank == 2 && yTrue.Shape[1] == 1)) || yTrue.Shape[0] != n)
        {
            var hint = yTrue.Rank == 2 && yTrue.Shape[1] == classes ? " These look like one-hot targets: use categorical_crossentropy." : "";
            throw new ArgumentException(
                $"{Name} expects integer labels of shape ({n},) for predictions of shape {yPred.Shape}; received targets of shape {yTrue.Shape}.{hint}");
        }
        var labels = yTrue.DType == DType.Int32 ? yTrue : yTrue.To(DType.Int32);
        if (labels.Rank == 2) labels = labels.Reshape(n);
        if (!labels.Device.IsCuda) CheckRange(labels.Span<int>(), classes);
        return labels;
    }

    /// <summary>Throws when a label is outside [0, classes) (reads host labels in place: no copy per step).</summary>
    internal static void CheckRange(ReadOnlySpan<int> labels, int classes)
    {
        foreach (var l in labels)
            if (l < 0 || l >= classes)
                throw new ArgumentException(
                    $"Received a label value of {l} which is outside the valid range of [0, {classes}). Label values: {string.Join(" ", labels[..Math.Min(20, labels.Length)].ToArray())}{(labels.Length > 20 ? " …" : "")}");
    }

    private static Tensor OneHot(Tensor labels, int classes, DType dtype, Device device)
    {
        var l = labels.ToArray<int>();
        var d = new double[l.Length * classes];
        for (var i = 0; i < l.Length; i++) d[i * classes + l[i]] = 1;
        return Tensor.FromHost(new Shape(l.Length, classes), dtype, device, i => d[i]);
    }

    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = fromLogits };
}
