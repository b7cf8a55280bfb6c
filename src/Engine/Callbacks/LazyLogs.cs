using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Engine.Callbacks;

/// <summary>Batch logs that are read from the device only if some callback looks at them.</summary>
internal sealed class LazyLogs(Func<Dictionary<string, double>> compute) : IReadOnlyDictionary<string, double>
{
    private Dictionary<string, double>? _values;

    private Dictionary<string, double> Values => _values ??= compute();

    public bool IsComputed => _values is not null;

    public double this[string key] => Values[key];

    public IEnumerable<string> Keys => Values.Keys;

    IEnumerable<double> IReadOnlyDictionary<string, double>.Values => Values.Values;

    public int Count => Values.Count;

    public bool ContainsKey(string key) => Values.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value) => Values.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
