using Engine.Metrics;

namespace Engine.Models;

/// <summary>A metric given by Keras name ("accuracy", "precision", "auc", …) or as an object. A name
/// is resolved when the first batch arrives, using the head's loss (or the targets) to pick the
/// meaning, as Keras does for "accuracy": sparse, categorical or binary.</summary>
public readonly struct MetricSpec
{
    private readonly string? _name;
    private readonly Metric? _instance;

    private MetricSpec(string? name, Metric? instance)
    {
        _name = name;
        _instance = instance;
    }

    public static implicit operator MetricSpec(string name) => new(name ?? throw new ArgumentNullException(nameof(name)), null);

    public static implicit operator MetricSpec(Metric metric) => new(null, metric ?? throw new ArgumentNullException(nameof(metric)));

    internal bool IsInstance => _instance is not null;

    internal string Name => _instance?.Name ?? _name!;

    internal Metric Resolve(TargetKind kind) => _instance ?? Metric.FromName(_name!, kind);

    public override string ToString() => Name;
}
