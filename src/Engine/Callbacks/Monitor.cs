namespace Engine.Callbacks;

/// <summary>The "monitor / mode / min_delta" logic shared by ModelCheckpoint, EarlyStopping and
/// ReduceLROnPlateau. Mode "auto" maximizes accuracy-like quantities (names containing "acc",
/// "auc", "precision", "recall" or "f1") and minimizes everything else, as Keras does.</summary>
internal sealed class Monitor
{
    public Monitor(string owner, string monitor, string mode, double minDelta)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(monitor);
        Owner = owner;
        Name = monitor;
        Maximize = mode.Trim().ToLowerInvariant() switch
        {
            "min" => false,
            "max" => true,
            "auto" => IsAccuracyLike(monitor),
            _ => throw new ArgumentException($"{owner}: mode '{mode}' is unknown; expected 'auto', 'min' or 'max'.", nameof(mode)),
        };
        MinDelta = Math.Abs(minDelta);
    }

    public string Owner { get; }

    public string Name { get; }

    public bool Maximize { get; }

    public double MinDelta { get; }

    /// <summary>The starting "best": -inf when maximizing, +inf when minimizing.</summary>
    public double Worst => Maximize ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>True when <paramref name="current"/> beats <paramref name="reference"/> by more than MinDelta.</summary>
    public bool IsImprovement(double current, double reference) =>
        Maximize ? current - MinDelta > reference : current + MinDelta < reference;

    /// <summary>The monitored value from epoch logs, or an error listing what is available.</summary>
    public double Read(IReadOnlyDictionary<string, double> logs) =>
        logs.TryGetValue(Name, out var v)
            ? v
            : throw new InvalidOperationException(
                $"{Owner} is conditioned on metric '{Name}', which is not available. Available metrics are: {string.Join(", ", logs.Keys)}. (val_* metrics need validationData or validationSplit.)");

    private static bool IsAccuracyLike(string name)
    {
        var n = name.ToLowerInvariant();
        return n.Contains("acc") || n.Contains("auc") || n.Contains("precision") || n.Contains("recall") || n.Contains("f1") || n.StartsWith("fmeasure", StringComparison.Ordinal);
    }
}
