using System.Globalization;
using System.Text.Json.Nodes;
using Engine.Callbacks;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Serialization;

/// <summary>Writes a model's state as a checkpoint (layout: <see cref="Checkpoint"/>): its weights and
/// model config, and, for a training checkpoint, the compile config, optimizer state, training state
/// and the states of stateful callbacks. The write is atomic (<see cref="ModelFile"/>).</summary>
internal static class CheckpointWriter
{
    public static void Write(Model model, string path, bool includeTraining, IReadOnlyList<Callback>? callbacks)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var owned = new List<Tensor>();
        try
        {
            var tensors = new Dictionary<string, Tensor>();
            foreach (var v in model.Weights) tensors[Checkpoint.WeightPrefix + v.Path] = v.Value;
            var metadata = new Dictionary<string, string> { [Checkpoint.ModelConfigKey] = ModelConfig.ToJson(model).ToJsonString() };
            if (includeTraining)
            {
                if (model.Training is { } training)
                {
                    metadata[Checkpoint.CompileConfigKey] = CompileConfig(training).ToJsonString();
                    foreach (var (k, t) in training.Optimizer.GetState(model.TrainableWeights))
                    {
                        owned.Add(t);
                        tensors[Checkpoint.OptimizerPrefix + k] = t;
                    }
                }
                var state = TrainingState(model);
                // Only a backup (callbacks given) records a position inside an epoch; Save stays as it was.
                if (callbacks is not null && model.Progress.InEpoch) AddPosition(model, state, tensors, owned);
                metadata[Checkpoint.TrainingStateKey] = state.ToJsonString();
            }
            if (callbacks is not null) metadata[Checkpoint.CallbacksKey] = CallbackStates(callbacks, tensors).ToJsonString();
            ModelFile.Write(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    private static JsonObject CompileConfig(Training.TrainingStep training) => new()
    {
        ["optimizer"] = ToJsonNode(training.Optimizer.GetConfig()),
        ["heads"] = new JsonArray(training.Heads.Select(h => (JsonNode?)new JsonObject
        {
            ["name"] = h.Name,
            ["loss"] = h.Loss.GetConfig(),
            ["loss_weight"] = h.Weight,
            ["metrics"] = new JsonArray(h.Specs.Select(s => (JsonNode?)JsonValue.Create(s.Name)).ToArray()),
        }).ToArray()),
    };

    private static JsonObject TrainingState(Model model)
    {
        var (s0, s1, s2, s3, spare) = model.TrainingRng.GetState();
        return new JsonObject
        {
            ["epoch"] = model.Epoch,
            ["rng"] = new JsonArray(JsonValue.Create(s0), JsonValue.Create(s1), JsonValue.Create(s2), JsonValue.Create(s3)),
            ["rng_spare_normal"] = double.IsNaN(spare) ? null : spare,
        };
    }

    /// <summary>Written mid-epoch: "epoch" is the epoch in progress, "batch" the next batch of it,
    /// "epoch_rng" the training stream as the epoch began (it shuffled the epoch), "running" the
    /// counts behind the running sums stored under "running/".</summary>
    private static void AddPosition(Model model, JsonObject state, Dictionary<string, Tensor> tensors, List<Tensor> owned)
    {
        var p = model.Progress;
        var (s0, s1, s2, s3, spare) = p.EpochStart;
        state["epoch"] = p.Epoch;
        state["batch"] = p.NextBatch;
        state["epoch_rng"] = new JsonArray(JsonValue.Create(s0), JsonValue.Create(s1), JsonValue.Create(s2), JsonValue.Create(s3));
        state["epoch_rng_spare_normal"] = double.IsNaN(spare) ? null : spare;
        if (model.Training is not { } training) return;
        var (values, running) = training.SaveRunning();
        state["running"] = values;
        foreach (var (k, t) in running)
        {
            owned.Add(t);
            tensors[Checkpoint.RunningPrefix + k] = t;
        }
    }

    /// <summary>[{type, state}] for each callback with state, in order; their tensors go under
    /// "callbacks/{i}/".</summary>
    private static JsonArray CallbackStates(IReadOnlyList<Callback> callbacks, Dictionary<string, Tensor> tensors)
    {
        var list = new JsonArray();
        var index = 0;
        foreach (var c in callbacks)
        {
            if (c.GetState() is not { } state) continue;
            list.Add((JsonNode)new JsonObject { ["type"] = c.GetType().Name, ["state"] = state.Values.DeepClone() });
            foreach (var (k, t) in state.Tensors ?? new Dictionary<string, Tensor>())
                tensors[$"{Checkpoint.CallbackPrefix}{index}/{k}"] = t;
            index++;
        }
        return list;
    }

    /// <summary>Optimizer configs hold numbers, strings, booleans, nulls and nested dictionaries.</summary>
    private static JsonNode? ToJsonNode(object? value) => value switch
    {
        null => null,
        IReadOnlyDictionary<string, object?> d => new JsonObject(d.Select(kv => KeyValuePair.Create(kv.Key, ToJsonNode(kv.Value)))),
        IDictionary<string, object?> d => new JsonObject(d.Select(kv => KeyValuePair.Create(kv.Key, ToJsonNode(kv.Value)))),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        double v => JsonValue.Create(v),
        float v => JsonValue.Create(v),
        int v => JsonValue.Create(v),
        long v => JsonValue.Create(v),
        IEnumerable<object?> list => new JsonArray(list.Select(ToJsonNode).ToArray()),
        IFormattable f => JsonValue.Create(double.Parse(f.ToString(null, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)),
        _ => throw new NotSupportedException($"Cannot save optimizer config value of type {value.GetType().Name}."),
    };
}
