using System.Text.Json.Nodes;
using Engine.Layers;
using Engine.Layers.Initializers;

namespace Engine.Serialization;

/// <summary>Small helpers that write layer configs in Keras's JSON shapes (pairs as [h, w],
/// initializers as their snake_case names).</summary>
internal static class ConfigJson
{
    public static JsonArray Ints(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonArray Pair(Size2 s) => Ints([s.Height, s.Width]);

    /// <summary>"glorot_uniform", or {"class_name": ..., "config": {...}} when it carries a value or seed.</summary>
    public static JsonNode Initializer(Initializer init)
    {
        if (init.Seed is null && (init is not Constant c || c.Value is 0 or 1) && Layers.Initializers.Initializer.KnownNames.Contains(init.Name))
            return JsonValue.Create(init.Name);
        var config = new JsonObject();
        if (init is Constant k) config["value"] = k.Value;
        if (init.Seed is { } s) config["seed"] = s;
        return new JsonObject { ["class_name"] = init.Name, ["config"] = config };
    }

    public static Initializer ReadInitializer(JsonNode? node)
    {
        switch (node)
        {
            case null:
                throw new FormatException("Model config: an initializer is missing.");
            case JsonValue v:
                return Layers.Initializers.Initializer.FromName(v.GetValue<string>());
            case JsonObject o:
                var name = o.Str("class_name");
                var config = o["config"] as JsonObject ?? [];
                var seed = config["seed"]?.GetValue<ulong>();
                Initializer init = name == "constant" || config["value"] is not null
                    ? new Constant(config["value"]?.GetValue<double>() ?? 0) { Seed = seed }
                    : WithSeed(Layers.Initializers.Initializer.FromName(name), seed);
                return init;
            default:
                throw new FormatException($"Model config: cannot read initializer {node.ToJsonString()}.");
        }
    }

    private static Initializer WithSeed(Initializer init, ulong? seed) => seed is null ? init : init switch
    {
        GlorotUniform => new GlorotUniform { Seed = seed },
        GlorotNormal => new GlorotNormal { Seed = seed },
        HeUniform => new HeUniform { Seed = seed },
        HeNormal => new HeNormal { Seed = seed },
        VarianceScaling v => new VarianceScaling(v.Scale, v.Mode, v.Uniform, v.Name) { Seed = seed },
        _ => init,
    };
}

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
