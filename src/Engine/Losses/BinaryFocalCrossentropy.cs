using Engine.Layers;
using Engine.Metrics;

namespace Engine.Losses;

/// <summary>Binary focal cross-entropy (Lin et al.; Keras's BinaryFocalCrossentropy): each binary
/// cross-entropy term is scaled by (1 - p_t)^gamma, so easy, confident examples count less; with
/// <c>applyClassBalancing</c> also by alpha for positives and 1 - alpha for negatives.
/// p_t = t·p + (1 - t)·(1 - p), hence 1 - p_t = t + p - 2·t·p.</summary>
public sealed class BinaryFocalCrossentropy : Loss
{
    public BinaryFocalCrossentropy(bool applyClassBalancing = false, double alpha = 0.25, double gamma = 2, bool fromLogits = false, double labelSmoothing = 0)
    {
        if (!(gamma >= 0)) throw new ArgumentException($"BinaryFocalCrossentropy: gamma must be >= 0; received {gamma}.", nameof(gamma));
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentException($"BinaryFocalCrossentropy: alpha must be in [0, 1]; received {alpha}.", nameof(alpha));
        (ApplyClassBalancing, Alpha, Gamma) = (applyClassBalancing, alpha, gamma);
        (IsFromLogits, LabelSmoothing) = (fromLogits, labelSmoothing);
    }

    public bool ApplyClassBalancing { get; }

    public double Alpha { get; }

    public double Gamma { get; }

    public double LabelSmoothing { get; }

    private bool IsFromLogits { get; }

    public override string Name => "binary_focal_crossentropy";

    public override TargetKind? TargetKind => Metrics.TargetKind.Binary;

    public override bool FromLogits => IsFromLogits;

    public override Tensor PerSample(Tensor yTrue, Tensor yPred) => Ops.Mean(PerElement(yTrue, yPred), 1);

    public override Tensor PerElement(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = BinaryCrossentropy.AsMatrix(Name, yTrue, yPred);
        var t = SmoothBinary(AsFloatTargets(yTrue, yPred), LabelSmoothing);
        Tensor p, bce;
        if (IsFromLogits || Activations.TryGetSigmoidLogits(yPred, out _))
        {
            var logits = IsFromLogits ? yPred : Logits(yPred);
            p = IsFromLogits ? Ops.Sigmoid(logits) : yPred;
            bce = Ops.SigmoidBceWithLogitsElementwise(logits, t);
        }
        else
        {
            p = yPred;
            bce = Ops.BinaryCrossEntropyElementwise(yPred, t);
        }
        // 1 - p_t = t + p·(1 - 2t)
        var oneMinusPt = Ops.Add(t, Ops.Mul(p, Ops.Affine(t, -2, 1)));
        var loss = Ops.Mul(FocalMath.Pow(oneMinusPt, Gamma), bce);
        if (ApplyClassBalancing) loss = Ops.Mul(loss, Ops.Affine(t, 2 * Alpha - 1, 1 - Alpha));
        return loss;
    }

    private static Tensor Logits(Tensor probs)
    {
        Activations.TryGetSigmoidLogits(probs, out var logits);
        return logits;
    }

    public override JsonObject GetConfig() => new()
    {
        ["name"] = Name, ["apply_class_balancing"] = ApplyClassBalancing, ["alpha"] = Alpha, ["gamma"] = Gamma,
        ["from_logits"] = IsFromLogits, ["label_smoothing"] = LabelSmoothing,
    };
}
