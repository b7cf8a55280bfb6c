using Engine.Layers;
using Engine.Metrics;

namespace Engine.Losses;

/// <summary>Cross-entropy against one-hot (or soft) targets [N, C]. With <c>fromLogits: false</c>
/// and predictions straight from a softmax activation, the fused, stable logits form is used.</summary>
public sealed class CategoricalCrossentropy : Loss
{
    public CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"CategoricalCrossentropy: labelSmoothing must be in [0, 1]; received {labelSmoothing}.", nameof(labelSmoothing));
        IsFromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
    }

    private bool IsFromLogits { get; }

    public double LabelSmoothing { get; }

    public override string Name => "categorical_crossentropy";

    public override TargetKind? TargetKind => Metrics.TargetKind.Categorical;

    public override bool FromLogits => IsFromLogits;

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.DType == DType.Int32 && yTrue.Rank == 1)
            throw new ArgumentException(
                $"categorical_crossentropy expects one-hot targets of shape {yPred.Shape}; received integer labels of shape {yTrue.Shape}. Use sparse_categorical_crossentropy for integer labels.");
        RequireSameShape(Name, yTrue, yPred);
        var t = AsFloatTargets(yTrue, yPred);
        if (IsFromLogits) return Ops.SoftmaxCrossEntropy(yPred, t, LabelSmoothing);
        if (Activations.TryGetSoftmaxLogits(yPred, out var logits)) return Ops.SoftmaxCrossEntropy(logits, t, LabelSmoothing);
        return Ops.CategoricalCrossEntropy(yPred, t, LabelSmoothing);
    }

    public override JsonObject GetConfig() => new() { ["name"] = Name, ["from_logits"] = IsFromLogits, ["label_smoothing"] = LabelSmoothing };
}
