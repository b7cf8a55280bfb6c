using Engine.Losses;
using Engine.Metrics;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>Turns Fit's classWeight into weights, on the host:
/// multi-class targets (integer labels, or one-hot rows, which are argmaxed as in Keras) weight
/// each sample by the weight of its class; binary targets with one column weight a sample by its
/// 0/1 class; multi-label targets [N, L] (a binary loss over several labels) weight per label
/// instead of argmaxing the multi-hot vector as Keras silently does: the term of label j in
/// sample i gets 1 + (w_j - 1)·t_ij, i.e. positives of label j count w_j times (like a per-label
/// pos_weight), negatives once. Classes without an entry get weight 1.</summary>
internal static class ClassWeights
{
    /// <summary>(per-sample weights [N], or per-element weights [N, L]); exactly one is non-null.</summary>
    public static (double[]? PerSample, double[]? PerElement) Compute(Loss loss, Tensor yHost, IReadOnlyDictionary<int, double> weights)
    {
        double W(int c) => weights.TryGetValue(c, out var w) ? w : 1.0;
        var n = yHost.Shape[0];
        var kind = loss.TargetKind ?? (yHost.DType == DType.Int32 ? TargetKind.SparseCategorical : yHost.Rank == 1 || yHost.Shape[1] == 1 ? TargetKind.Binary : TargetKind.Categorical);
        var y = yHost.ToDoubleArray();
        var width = n == 0 ? 1 : y.Length / n;
        switch (kind)
        {
            case TargetKind.SparseCategorical:
                return (y.Select(v => W((int)v)).ToArray(), null);
            case TargetKind.Binary when width == 1:
                return (y.Select(v => W(v >= 0.5 ? 1 : 0)).ToArray(), null);
            case TargetKind.Binary:
                return (null, y.Select((t, i) => 1 + (W(i % width) - 1) * t).ToArray());
            default:
                var perSample = new double[n];
                for (var i = 0; i < n; i++)
                {
                    var best = 0;
                    for (var j = 1; j < width; j++) if (y[i * width + j] > y[i * width + best]) best = j;
                    perSample[i] = W(best);
                }
                return (perSample, null);
        }
    }
}
