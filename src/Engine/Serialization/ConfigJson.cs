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
