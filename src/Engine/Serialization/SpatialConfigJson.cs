using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers;

namespace Engine.Serialization;

/// <summary>Config JSON of padding/cropping amounts ([[top, bottom], [left, right]], as Keras writes
/// them) and of convolution padding ("valid", "same" or those amounts).</summary>
internal static class SpatialConfigJson
{
    public static JsonArray Sides(Pad2 p) => new(ConfigJson.Ints([p.Top, p.Bottom]), ConfigJson.Ints([p.Left, p.Right]));

    public static JsonNode Padding(ConvPadding p) =>
        p.IsExplicit ? Sides(new Pad2(p.Top, p.Bottom, p.Left, p.Right)) : JsonValue.Create(p.Mode);

    public static Pad2 ReadSides(this JsonObject c, string key)
    {
        var node = c[key] ?? throw new FormatException($"Model config: '{c["name"]?.ToString() ?? "?"}' is missing \"{key}\".");
        try
        {
            if (node is JsonValue v) return v.GetValue<int>();
            var a = node.AsArray();
            if (a.Count == 2 && a[0] is JsonArray h && a[1] is JsonArray w && h.Count == 2 && w.Count == 2)
                return ((h[0]!.GetValue<int>(), h[1]!.GetValue<int>()), (w[0]!.GetValue<int>(), w[1]!.GetValue<int>()));
            if (a.Count == 2) return (a[0]!.GetValue<int>(), a[1]!.GetValue<int>());
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"Model config: \"{key}\" has an unexpected value {node.ToJsonString()}; expected an int, [h, w] or [[top, bottom], [left, right]].", e);
        }
        throw new FormatException($"Model config: \"{key}\" has an unexpected value {node.ToJsonString()}; expected an int, [h, w] or [[top, bottom], [left, right]].");
    }

    public static ConvPadding ReadPadding(this JsonObject c, string key)
    {
        if (c[key] is JsonValue v && v.TryGetValue<string>(out var mode)) return mode;
        var p = c.ReadSides(key);
        return ConvPadding.Explicit(p.Top, p.Bottom, p.Left, p.Right);
    }

    public static double? DoubleOrNull(this JsonObject c, string key) => c[key] is null ? null : c.Double(key);

    public static Size2 PairOr(this JsonObject c, string key, Size2 fallback) => c[key] is null ? fallback : c.Pair(key);
}
