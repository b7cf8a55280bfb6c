using System.Globalization;
using System.Text.Json;

namespace Engine.Optimizers;

/// <summary>Reads typed values out of a config dictionary whether it was built in memory (double,
/// long, bool, string, nested dictionaries) or parsed back from JSON (JsonElement values), with
/// errors that name the missing or malformed key.</summary>
internal readonly struct ConfigReader(IReadOnlyDictionary<string, object?> config, string what)
{
    public bool Has(string key) => config.TryGetValue(key, out var v) && v is not null && !(v is JsonElement { ValueKind: JsonValueKind.Null });

    private object Required(string key) =>
        config.TryGetValue(key, out var v) && v is not null
            ? v
            : throw new ArgumentException($"The {what} config has no '{key}' entry.");

    public string String(string key) => Required(key) switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        var v => throw Bad(key, v, "a string"),
    };

    public double Double(string key) => Required(key) switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        var v => throw Bad(key, v, "a number"),
    };

    public double? NullableDouble(string key) => Has(key) ? Double(key) : null;

    public long Long(string key) => Required(key) switch
    {
        int i => i,
        long l => l,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var l) => l,
        var v => throw Bad(key, v, "an integer"),
    };

    public bool Bool(string key) => Required(key) switch
    {
        bool b => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        var v => throw Bad(key, v, "true or false"),
    };

    /// <summary>A nested config (a dictionary, or a JSON object element).</summary>
    public IReadOnlyDictionary<string, object?> Section(string key) => Required(key) switch
    {
        IReadOnlyDictionary<string, object?> d => d,
        JsonElement { ValueKind: JsonValueKind.Object } e => e.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value),
        var v => throw Bad(key, v, "an object"),
    };

    private ArgumentException Bad(string key, object value, string expected) =>
        new($"The {what} config has '{key}' = {Format(value)}; expected {expected}.");

    private static string Format(object v) => v switch
    {
        JsonElement e => e.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "?",
    };
}
