using Engine.Tensors;

namespace Engine.Data;

/// <summary>Per-label positive weights for multi-label data: negatives / positives of each label,
/// the pos_weight of a weighted binary cross-entropy (TensorFlow's
/// weighted_cross_entropy_with_logits, PyTorch's BCEWithLogitsLoss). With 1000 labels and ~2
/// positives per sample a plain BCE net learns to answer "all zeros"; these weights make each
/// label's positives count as much as its negatives.</summary>
public static class PosWeights
{
    /// <summary>The default cap: rare labels get at most this weight, so a label seen twice does not
    /// get a weight in the thousands and dominate the gradient.</summary>
    public const double DefaultCap = 100;

    /// <summary>From multi-hot targets [N, L] (values ≥ 0.5 count as positive). Each label gets
    /// min(negatives / positives, cap); a label with no positives gets the cap (the limit of the
    /// ratio; it never weighs a positive term during training anyway).</summary>
    public static float[] FromMultiHot(ReadOnlySpan<float> targets, int labels, double cap = DefaultCap)
    {
        if (labels < 1 || targets.Length % labels != 0)
            throw new ArgumentException($"multi-hot targets of {targets.Length} values do not form rows of {labels} labels.", nameof(targets));
        if (!(cap > 0))
            throw new ArgumentException($"cap must be > 0; received {cap}.", nameof(cap));
        var n = targets.Length / labels;
        var positives = new long[labels];
        for (var i = 0; i < n; i++)
            for (var l = 0; l < labels; l++)
                if (targets[i * labels + l] >= 0.5f) positives[l]++;
        return FromCounts(positives, n, cap);
    }

    /// <summary>From a float [N, L] target tensor.</summary>
    public static float[] FromMultiHot(Tensor targets, double cap = DefaultCap)
    {
        if (targets.Rank != 2)
            throw new ArgumentException($"multi-hot targets must have shape (N, labels); received {targets.Shape}.", nameof(targets));
        return FromMultiHot(targets.ToFloatArray(), targets.Shape[1], cap);
    }

    /// <summary>From positive counts per label among <paramref name="samples"/> samples.</summary>
    public static float[] FromCounts(IReadOnlyList<long> positives, int samples, double cap = DefaultCap)
    {
        if (!(cap > 0))
            throw new ArgumentException($"cap must be > 0; received {cap}.", nameof(cap));
        return positives.Select(p => p <= 0 ? (float)cap : (float)Math.Min((samples - p) / (double)p, cap)).ToArray();
    }
}
