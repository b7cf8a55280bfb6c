using Engine.Layers;
using Engine.Metrics;

namespace Engine.Losses;

/// <summary>Categorical focal cross-entropy (Keras's CategoricalFocalCrossentropy) against one-hot
/// targets [N, C]: loss = Σ_j alpha·(1 - p_j)^gamma · (-t_j·log p_j). From logits (or a softmax
/// output that remembers its logits) log p is the stable log-softmax; from bare probabilities it is
/// log(p + 1e-7). Unlike Keras, probabilities are not renormalized to sum to 1.</summary>
public sealed class CategoricalFocalCrossentropy : Loss
{
    public CategoricalFocalCrossentropy(double alpha = 0.25, double gamma = 2, bool fromLogits = false, double labelSmoothing = 0)
    {
        if (!(gamma >= 0)) throw new ArgumentException($"CategoricalFocalCrossentropy: gamma must be >= 0; received {gamma}.", nameof(gamma));
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"CategoricalFocalCrossentropy: labelSmoothing must be in [0, 1]; received {labelSmoothing}.", nameof(labelSmoothing));
        (Alpha, Gamma) = (alpha, gamma);
        (IsFromLogits, LabelSmoothing) = (fromLogits, labelSmoothing);
    }

    public double Alpha { get; }

    public double Gamma { get; }

    public double LabelSmoothing { get; }

    private bool IsFromLogits { get; }

    public override string Name => "categorical_focal_crossentropy";

    public override TargetKind? TargetKind => Metrics.TargetKind.Categorical;

    public override bool FromLogits => IsFromLogits;

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(Name, yTrue, yPred);
        var t = AsFloatTargets(yTrue, yPred);
        if (LabelSmoothing > 0) t = Ops.Affine(t, 1 - LabelSmoothing, LabelSmoothing / yPred.Shape[1]);
        Tensor p, logP;
        if (IsFromLogits || Activations.TryGetSoftmaxLogits(yPred, out _))
        {
            var logits = yPred;
            if (!IsFromLogits) Activations.TryGetSoftmaxLogits(yPred, out logits);
            logP = Ops.LogSoftmax(logits);
            p = IsFromLogits ? Ops.Softmax(logits) : yPred;
        }
        else
        {
            p = yPred;
            logP = Ops.Log(Ops.AddScalar(yPred, 1e-7));
        }
        var ce = Ops.Neg(Ops.Mul(t, logP));
        var weight = Ops.MulScalar(FocalMath.Pow(Ops.RSubScalar(1, p), Gamma), Alpha);
        return Ops.Sum(Ops.Mul(weight, ce), 1);
    }

    public override JsonObject GetConfig() => new()
    {
        ["name"] = Name, ["alpha"] = Alpha, ["gamma"] = Gamma, ["from_logits"] = IsFromLogits, ["label_smoothing"] = LabelSmoothing,
    };
}
