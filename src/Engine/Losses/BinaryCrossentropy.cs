using Engine.Layers;
using Engine.Metrics;

namespace Engine.Losses;

/// <summary>Binary cross-entropy of independent labels [N, L] (multi-label tagging, or binary with
/// L = 1), averaged over the labels. <c>posWeight</c> multiplies the loss of positive targets (one
/// value for all labels, or one per label), as tf.nn.weighted_cross_entropy_with_logits: the fix for
/// many sparse labels where a plain BCE net predicts all zeros. With <c>fromLogits: false</c> and
/// predictions straight from a sigmoid activation, the stable fused logits form is used.</summary>
public sealed class BinaryCrossentropy : Loss
{
    private readonly double[]? _posWeight;
    private Tensor? _posWeightTensor;
    private Tensor? _posWeightMinusOneTensor;

    public BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0, double[]? posWeight = null)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"BinaryCrossentropy: labelSmoothing must be in [0, 1]; received {labelSmoothing}.", nameof(labelSmoothing));
        if (posWeight is not null && (posWeight.Length == 0 || posWeight.Any(w => !(w >= 0) || double.IsInfinity(w))))
            throw new ArgumentException("BinaryCrossentropy: posWeight must hold one or more finite, non-negative values.", nameof(posWeight));
        IsFromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        _posWeight = posWeight?.ToArray();
    }

    private bool IsFromLogits { get; }

    public double LabelSmoothing { get; }

    /// <summary>Weight of positive targets: one value (all labels) or one per label; null for none.</summary>
    public IReadOnlyList<double>? PosWeight => _posWeight;

    public override string Name => "binary_crossentropy";

    public override TargetKind? TargetKind => Metrics.TargetKind.Binary;

    public override bool FromLogits => IsFromLogits;

    public override Tensor PerSample(Tensor yTrue, Tensor yPred) => Ops.Mean(PerElement(yTrue, yPred), 1);

    public override Tensor PerElement(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = AsMatrix(Name, yTrue, yPred);
        var t = SmoothBinary(AsFloatTargets(yTrue, yPred), LabelSmoothing);
        var pw = PosWeightTensor(yPred);
        if (IsFromLogits) return Ops.SigmoidBceWithLogitsElementwise(yPred, t, pw);
        if (Activations.TryGetSigmoidLogits(yPred, out var logits)) return Ops.SigmoidBceWithLogitsElementwise(logits, t, pw);
        var bce = Ops.BinaryCrossEntropyElementwise(yPred, t);
        if (pw is null) return bce;
        // Positive terms weighted by pw: bce + (pw - 1)·t·(-log p), with -log p = bce at target 1.
        // The constants are not disposed here: the backward pass reads them (the step's scope frees them).
        var ones = Tensor.Ones(yPred.Shape, yPred.DType, yPred.Device);
        var extra = PositiveExtraWeight(t, yPred);
        return Ops.Add(bce, Ops.Mul(Ops.BinaryCrossEntropyElementwise(yPred, ones), extra));
    }

    /// <summary>(pw - 1)·t per element, as a constant computed on the device: the cached [L] row
    /// (pw - 1) broadcast over the batch, so no step reads the targets back to the host.</summary>
    private Tensor PositiveExtraWeight(Tensor t, Tensor like)
    {
        var minusOne = _posWeightMinusOneTensor = Cached(_posWeightMinusOneTensor, like, w => w - 1);
        return Ops.Mul(t, minusOne);
    }

    /// <summary>posWeight as a [L] tensor on the prediction's device (cached).</summary>
    private Tensor? PosWeightTensor(Tensor yPred)
    {
        if (_posWeight is null) return null;
        var labels = yPred.Shape[1];
        if (_posWeight.Length != 1 && _posWeight.Length != labels)
            throw new ArgumentException($"{Name}: posWeight has {_posWeight.Length} values but the predictions have {labels} labels; give one value or one per label.");
        return _posWeightTensor = Cached(_posWeightTensor, yPred, w => w);
    }

    /// <summary>f(posWeight) as a [L] tensor of the prediction's dtype and device, made once and kept
    /// outside any step scope.</summary>
    private Tensor Cached(Tensor? cached, Tensor yPred, Func<double, double> f)
    {
        var labels = yPred.Shape[1];
        if (cached is not null && !cached.IsDisposed && cached.Size == labels && cached.Device == yPred.Device && cached.DType == yPred.DType)
            return cached;
        using var untracked = TensorScope.Untracked();
        return Tensor.FromHost(new Shape(labels), yPred.DType, yPred.Device, i => f(_posWeight!.Length == 1 ? _posWeight[0] : _posWeight[i]));
    }

    /// <summary>Binary losses work on [N, L]; [N] targets and predictions are viewed as [N, 1].</summary>
    internal static (Tensor YTrue, Tensor YPred) AsMatrix(string loss, Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank == 1) yPred = yPred.Reshape(yPred.Shape[0], 1);
        if (yPred.Rank != 2)
            throw new ArgumentException($"{loss} expects predictions of shape (batch, labels); received {yPred.Shape}.");
        if (yTrue.Rank == 1 && yPred.Shape[1] == 1 && yTrue.Shape[0] == yPred.Shape[0]) yTrue = yTrue.Reshape(yTrue.Shape[0], 1);
        RequireSameShape(loss, yTrue, yPred);
        return (yTrue, yPred);
    }

    public override JsonObject GetConfig()
    {
        var c = new JsonObject { ["name"] = Name, ["from_logits"] = IsFromLogits, ["label_smoothing"] = LabelSmoothing };
        if (_posWeight is not null) c["pos_weight"] = new JsonArray(_posWeight.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());
        return c;
    }
}
