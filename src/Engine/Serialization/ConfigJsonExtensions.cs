using System.Text.Json.Nodes;
using Engine.Layers;

namespace Engine.Serialization;

/// <summary>Typed reads from a config object, with errors that name the missing or malformed key.</summary>
public static class ConfigJsonExtensions
{
    private static JsonNode Required(JsonObject c, string key) =>
        c[key] ?? throw new FormatException($"Model config: '{c["name"]?.ToString() ?? "?"}' is missing \"{key}\" in {Truncate(c.ToJsonString())}.");

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";

    private static T Read<T>(JsonObject c, string key, Func<JsonNode, T> read)
    {
        var node = Required(c, key);
        try { return read(node); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"Model config: \"{key}\" has an unexpected value {Truncate(node.ToJsonString())}.", e);
        }
    }

    public static int Int(this JsonObject c, string key) => Read(c, key, n => n.GetValue<int>());

    public static double Double(this JsonObject c, string key) => Read(c, key, n => n.GetValue<double>());

    public static bool Bool(this JsonObject c, string key) => Read(c, key, n => n.GetValue<bool>());

    public static string Str(this JsonObject c, string key) => Read(c, key, n => n.GetValue<string>());

    public static string? StrOrNull(this JsonObject c, string key) => c[key] is null ? null : c.Str(key);

    public static int[] Ints(this JsonObject c, string key) => Read(c, key, n => n.AsArray().Select(v => v!.GetValue<int>()).ToArray());

    public static int[]? IntsOrNull(this JsonObject c, string key) => c[key] is null ? null : c.Ints(key);

    public static Size2 Pair(this JsonObject c, string key)
    {
        var v = c.Ints(key);
        if (v.Length != 2) throw new FormatException($"Model config: \"{key}\" must be a pair [height, width]; found {v.Length} values.");
        return new Size2(v[0], v[1]);
    }
}
