using System.Text.Json.Nodes;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Serialization;

/// <summary>A model's architecture as JSON, in Keras's spirit ({"class_name", "config": {"layers":
/// [...]}}), enough to rebuild it without code:
/// Sequential: {"class_name": "Sequential", "config": {"name", "seed", "input", "build_input_shape", "layers"}};
/// functional: {"class_name": "Functional", "config": {"name", "seed", "dtype", "inputs", "layers",
/// "nodes": [{"layer": i, "parents": [j, …]}], "outputs": [{"name", "node"}]}} where a parent
/// -1 - k is input k (older files: one "input" and one "parent"). A nested model is a layer whose
/// config is its own model config.</summary>
public static class ModelConfig
{
    public static JsonObject ToJson(Model model)
    {
        var layers = model.Layers.ToList();
        var config = new JsonObject
        {
            ["name"] = model.Name,
            ["seed"] = model.Seed,
            ["input"] = model.Input is { } input ? InputJson(input) : null,
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode?)new JsonObject { ["class_name"] = l.ClassName, ["config"] = l.GetConfig() }).ToArray()),
        };
        if (model.Inputs.Count > 1) config["inputs"] = new JsonArray(model.Inputs.Select(i => (JsonNode?)InputJson(i)).ToArray());
        if (model.DType != Tensors.DType.Float32) config["dtype"] = model.DType.Name();
        if (model is Sequential)
        {
            if (model.InputShape is { } shape) config["build_input_shape"] = ConfigJson.Ints(shape);
            return new JsonObject { ["class_name"] = "Sequential", ["config"] = config };
        }
        config["nodes"] = new JsonArray(model.Nodes.Select(n => (JsonNode?)new JsonObject
        {
            ["layer"] = layers.IndexOf(n.Layer),
            ["parents"] = ConfigJson.Ints(n.Parents),
        }).ToArray());
        config["outputs"] = new JsonArray(model.OutputNodes.Select(o => (JsonNode?)new JsonObject { ["name"] = o.Name, ["node"] = o.Node }).ToArray());
        return new JsonObject { ["class_name"] = "Functional", ["config"] = config };
    }

    private static JsonObject InputJson(Input input)
    {
        var o = new JsonObject { ["name"] = input.Name, ["shape"] = ConfigJson.Ints(input.Shape) };
        if (input.InputDType != Tensors.DType.Float32) o["dtype"] = input.InputDType.Name();
        if (input.IsChannelsLast) o["data_format"] = input.DataFormat;
        return o;
    }

    private static Input ReadInput(JsonObject i) =>
        new(i.Ints("shape"), i.Str("name"), Input.ReadDType(i), i.StrOrNull("data_format") ?? Input.ChannelsFirst);

    /// <summary>Rebuilds the model (fresh weights, built when the input shape is known).</summary>
    public static Model FromJson(JsonObject json)
    {
        var className = json.Str("class_name");
        var config = json["config"] as JsonObject ?? throw new FormatException("Model config: \"config\" must be an object.");
        var name = config.Str("name");
        var seed = config["seed"]?.GetValue<ulong>() ?? Model.DefaultSeed;
        var layers = (config["layers"] as JsonArray ?? throw new FormatException("Model config: \"layers\" must be a list."))
            .Select(n => n as JsonObject ?? throw new FormatException("Model config: each layer must be an object."))
            .Select(o => LayerRegistry.FromConfig(o.Str("class_name"), o["config"] as JsonObject ?? throw new FormatException("Model config: a layer has no \"config\" object.")))
            .ToList();
        var input = config["input"] is JsonObject i ? ReadInput(i) : null;
        var dtype = config.StrOrNull("dtype") is null ? (Tensors.DType?)null : Input.ReadDType(config);

        switch (className)
        {
            case "Sequential":
            {
                var model = new Sequential(input is null ? layers : [input, .. layers], name, seed, dtype);
                if (!model.Built && config.IntsOrNull("build_input_shape") is { } shape) model.Build(shape);
                return model;
            }
            case "Functional":
            {
                var inputs = config["inputs"] is JsonArray list
                    ? list.Select(n => ReadInput(n as JsonObject ?? throw new FormatException("Model config: each input must be an object."))).ToList()
                    : input is null ? throw new FormatException("Model config: a functional model needs an \"input\".") : [input];
                var nodes = config["nodes"] as JsonArray ?? throw new FormatException("Model config: \"nodes\" must be a list.");
                var symbolic = new List<SymbolicTensor>();
                foreach (var n in nodes)
                {
                    var o = n as JsonObject ?? throw new FormatException("Model config: each node must be an object.");
                    var layer = o.Int("layer");
                    var parents = o["parents"] is not null ? o.Ints("parents") : [o.Int("parent")];
                    if (layer < 0 || layer >= layers.Count || parents.Length == 0 || parents.Any(p => p < -inputs.Count || p >= symbolic.Count))
                        throw new FormatException($"Model config: node {symbolic.Count} refers to layer {layer} and parents [{string.Join(", ", parents)}], which do not all exist.");
                    symbolic.Add(layers[layer].Apply(parents.Select(p => p < 0 ? inputs[-1 - p].Output : symbolic[p]).ToList()));
                }
                var outputs = new Dictionary<string, SymbolicTensor>();
                foreach (var n in config["outputs"] as JsonArray ?? throw new FormatException("Model config: \"outputs\" must be a list."))
                {
                    var o = n as JsonObject ?? throw new FormatException("Model config: each output must be an object.");
                    var node = o.Int("node");
                    if (node < 0 || node >= symbolic.Count) throw new FormatException($"Model config: output '{o.Str("name")}' refers to node {node}, which does not exist.");
                    outputs[o.Str("name")] = symbolic[node];
                }
                return new Model(inputs, outputs, name, seed, dtype);
            }
            default:
                throw new FormatException($"Model config: unknown model class '{className}'; expected 'Sequential' or 'Functional'.");
        }
    }
}
