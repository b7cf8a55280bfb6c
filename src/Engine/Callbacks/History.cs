namespace Engine.Callbacks;

/// <summary>What Fit returns: the epoch logs, like Keras's History. Keras's
/// <c>history.history["val_accuracy"]</c> is <c>history["val_accuracy"]</c> here.</summary>
public sealed class History : Callback
{
    private readonly Dictionary<string, List<double>> _values = [];
    private readonly List<int> _epochs = [];

    /// <summary>The 0-based epoch numbers that ran (a resumed Fit starts past 0).</summary>
    public IReadOnlyList<int> Epoch => _epochs;

    /// <summary>Every logged key: "loss", "accuracy", "val_loss", …</summary>
    public IReadOnlyCollection<string> Keys => _values.Keys;

    /// <summary>All values, by key (Keras's history.history).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> Values => _values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value);

    /// <summary>One value per epoch for <paramref name="key"/>.</summary>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var v)
        ? v
        : throw new KeyNotFoundException($"History has no '{key}'; it has: {string.Join(", ", _values.Keys)}.");

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        _epochs.Add(epoch);
        foreach (var (k, v) in logs)
        {
            if (!_values.TryGetValue(k, out var list)) _values[k] = list = [];
            list.Add(v);
        }
    }
}
