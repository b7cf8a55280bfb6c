using Engine.Losses;
using Engine.Metrics;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>One compiled output: its loss, loss weight, metrics and running loss.</summary>
internal sealed class Head(string name, Loss loss, double weight, IReadOnlyList<MetricSpec> specs) : IDisposable
{
    private List<Metric>? _metrics;

    public string Name { get; } = name;

    public Loss Loss { get; } = loss;

    public double Weight { get; } = weight;

    public IReadOnlyList<MetricSpec> Specs { get; } = specs;

    public MeanTracker LossTracker { get; } = new();

    /// <summary>Metrics, resolved on first use (names need the target kind).</summary>
    public IReadOnlyList<Metric> Metrics(Tensor yTrue, Tensor yPred)
    {
        if (_metrics is not null) return _metrics;
        Resolve(Loss.TargetKind ?? Infer(yTrue, yPred));
        return _metrics!;
    }

    /// <summary>The target kind the metrics were resolved for (null before).</summary>
    public TargetKind? Kind { get; private set; }

    /// <summary>Resolves the metrics for <paramref name="kind"/> (a mid-epoch backup being restored
    /// before any batch of the epoch is left).</summary>
    public void Resolve(TargetKind kind)
    {
        Kind = kind;
        _metrics = Specs.Select(s => s.Resolve(kind)).ToList();
    }

    // Array.Empty, not [] (which makes a new List for an IReadOnlyList target: 32 B per call, twice a step).
    public IReadOnlyList<Metric> ResolvedMetrics => _metrics ?? (IReadOnlyList<Metric>)Array.Empty<Metric>();

    /// <summary>Keras's rule for "accuracy" without a known loss: integer targets are sparse, a
    /// single output column is binary, otherwise categorical.</summary>
    private static TargetKind Infer(Tensor yTrue, Tensor yPred) =>
        yTrue.DType == DType.Int32 && yTrue.Rank == 1 ? TargetKind.SparseCategorical
        : yPred.Rank == 1 || yPred.Shape[^1] == 1 ? TargetKind.Binary
        : TargetKind.Categorical;

    public void Reset()
    {
        LossTracker.Reset();
        var metrics = ResolvedMetrics;
        for (var i = 0; i < metrics.Count; i++) metrics[i].Reset(); // no boxed enumerator: runs every TrainOnBatch
    }

    public void Dispose() => LossTracker.Dispose();
}
