using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Callbacks;
using Engine.Layers;
using Engine.Losses;
using Engine.Metrics;
using Engine.Optimizers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Models;

public partial class Model
{
    private const string WeightPrefix = "weights/", OptimizerPrefix = "optimizer/", CallbackPrefix = "callbacks/";

    /// <summary>Saves everything needed to use or keep training the model in one safetensors file:
    /// weights (batch-norm statistics included), the JSON model config, the compile config,
    /// optimizer state, the training random stream and the number of finished epochs. The write is
    /// atomic. <see cref="Load"/> reads it back; the file also opens in other safetensors tools.</summary>
    public void Save(string path) => WriteFile(path, includeTraining: true, callbacks: null);

    /// <summary>Only the weights (plus the model config, for reference): Keras's save_weights.</summary>
    public void SaveWeights(string path) => WriteFile(path, includeTraining: false, callbacks: null);

    /// <summary>Rebuilds a model saved with <see cref="Save"/>: architecture from its config, weights,
    /// and (when <paramref name="compile"/> and the file has a compile config) optimizer, losses,
    /// metrics and optimizer state, so Fit(…, initialEpoch: model.Epoch) continues training.
    /// A truncated, corrupted or foreign file raises <see cref="CheckpointFormatException"/>.</summary>
    public static Model Load(string path, bool compile = true)
    {
        var (tensors, metadata) = ModelFile.Read(path);
        Model model;
        try
        {
            model = ModelConfig.FromJson(ParseObject(path, metadata, "model_config"));
            if (!model.Built) throw new FormatException("the saved model was never built, so it has no weights");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or JsonException)
        {
            throw new CheckpointFormatException(path, $"its model config cannot be rebuilt: {e.Message}", e);
        }
        try
        {
            model.AssignWeights(path, tensors);
            if (compile && metadata.ContainsKey("compile_config")) model.RestoreCompile(path, metadata, tensors);
            if (metadata.ContainsKey("training_state")) model.RestoreTrainingState(path, metadata);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        foreach (var t in tensors.Values) t.Dispose();
        return model;
    }

    /// <summary>Loads weights saved by <see cref="Save"/> or <see cref="SaveWeights"/> into this
    /// (already built) model; every weight must be present with the same shape.</summary>
    public void LoadWeights(string path)
    {
        RequireBuilt();
        var (tensors, _) = ModelFile.Read(path);
        AssignWeights(path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>Host copies of every weight, by path ("conv2d/kernel"): Keras's get_weights.</summary>
    public Dictionary<string, Tensor> GetWeights()
    {
        RequireBuilt();
        using var untracked = TensorScope.Untracked();
        return Weights.ToDictionary(v => v.Path, v => v.Value.To(Device.Cpu));
    }

    /// <summary>Sets weights from tensors keyed by path ("conv2d/kernel", "backbone/dense/bias" inside a
    /// nested model). Keras's set_weights needs every weight; with <paramref name="partial"/> only the
    /// named ones are set (porting part of a network, a pretrained backbone). Unknown names and wrong
    /// shapes are refused before anything is assigned.</summary>
    public void SetWeights(IReadOnlyDictionary<string, Tensor> weights, bool partial = false)
    {
        RequireBuilt();
        var all = Weights;
        foreach (var key in weights.Keys)
            if (all.All(v => v.Path != key))
                throw new ArgumentException($"'{key}' is not a weight of this model; its weights are: {string.Join(", ", all.Select(v => v.Path))}.");
        foreach (var v in all)
        {
            if (!weights.TryGetValue(v.Path, out var t))
            {
                if (partial) continue;
                throw new ArgumentException($"No value was given for weight '{v.Path}' (pass partial: true to set only some weights).");
            }
            if (t.Shape != v.Shape)
                throw new ArgumentException($"Weight '{v.Path}' has shape {v.Shape}; the value given has shape {t.Shape}.");
        }
        foreach (var v in all)
            if (weights.TryGetValue(v.Path, out var t)) v.Assign(t);
    }

    /// <summary>One weight by path ("dense/kernel"), with its current value and gradient.</summary>
    public Variable GetWeight(string path)
    {
        RequireBuilt();
        return Weights.FirstOrDefault(v => v.Path == path)
               ?? throw new ArgumentException($"'{path}' is not a weight of this model; its weights are: {string.Join(", ", Weights.Select(v => v.Path))}.", nameof(path));
    }

    /// <summary>The gradient of every trainable weight by path, as left by the last Backward (null
    /// where none was computed). Fit clears gradients after each step; run a forward pass and
    /// Backward yourself to inspect them: <c>Ops.Mean(loss).Backward(); model.Gradients["dense/kernel"]</c>.</summary>
    public IReadOnlyDictionary<string, Tensor?> Gradients
    {
        get
        {
            RequireBuilt();
            return Layers.SelectMany(l => l.TrainableWeights).ToDictionary(v => v.Path, v => v.Value.Grad);
        }
    }

    /// <summary>Device copies of every weight (EarlyStopping's best weights).</summary>
    internal Dictionary<string, Tensor> SnapshotWeights()
    {
        using var untracked = TensorScope.Untracked();
        return Weights.ToDictionary(v => v.Path, v => Copy(v.Value));
    }

    /// <summary>Device copies of saved tensors.</summary>
    internal Dictionary<string, Tensor> SnapshotOf(IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var untracked = TensorScope.Untracked();
        return tensors.ToDictionary(kv => kv.Key, kv => kv.Value.To(_device));
    }

    /// <summary>Save plus the state of the given callbacks (BackupAndRestore).</summary>
    internal void SaveTrainingCheckpoint(string path, IReadOnlyList<Callback> callbacks) => WriteFile(path, includeTraining: true, callbacks);

    /// <summary>Restores weights, optimizer state, random stream, epoch and callback states from a
    /// training checkpoint into this compiled model; Fit then continues after the saved epoch.</summary>
    internal int RestoreTrainingCheckpoint(string path, IReadOnlyList<Callback> callbacks)
    {
        var (tensors, metadata) = ModelFile.Read(path);
        if (!Built && this is Sequential sequential)
        {
            // A Sequential that builds from its first batch has no weights yet: take the saved input shape.
            var config = ParseObject(path, metadata, "model_config")["config"] as JsonObject;
            var shape = config?.IntsOrNull("build_input_shape") ?? throw new CheckpointFormatException(path, "its model config has no build_input_shape");
            sequential.Build(shape);
        }
        AssignWeights(path, tensors);
        RestoreOptimizer(path, tensors);
        RestoreTrainingState(path, metadata);
        RestoreCallbacks(path, metadata, tensors, callbacks);
        foreach (var t in tensors.Values) t.Dispose();
        ResumeEpoch = Epoch;
        return Epoch;
    }

    // ---- writing -------------------------------------------------------------------------------

    private void WriteFile(string path, bool includeTraining, IReadOnlyList<Callback>? callbacks)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RequireBuilt();
        var owned = new List<Tensor>();
        try
        {
            var tensors = new Dictionary<string, Tensor>();
            foreach (var v in Weights) tensors[WeightPrefix + v.Path] = v.Value;
            var metadata = new Dictionary<string, string> { ["model_config"] = ModelConfig.ToJson(this).ToJsonString() };
            if (includeTraining)
            {
                if (_heads is not null)
                {
                    metadata["compile_config"] = CompileConfig().ToJsonString();
                    foreach (var (k, t) in _optimizer!.GetState(TrainableWeights))
                    {
                        owned.Add(t);
                        tensors[OptimizerPrefix + k] = t;
                    }
                }
                metadata["training_state"] = TrainingStateJson().ToJsonString();
            }
            if (callbacks is not null)
            {
                var list = new JsonArray();
                var index = 0;
                foreach (var c in callbacks)
                {
                    if (c.GetState() is not { } state) continue;
                    list.Add((JsonNode)new JsonObject { ["type"] = c.GetType().Name, ["state"] = state.Values.DeepClone() });
                    foreach (var (k, t) in state.Tensors ?? new Dictionary<string, Tensor>())
                        tensors[$"{CallbackPrefix}{index}/{k}"] = t;
                    index++;
                }
                metadata["callbacks"] = list.ToJsonString();
            }
            ModelFile.Write(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    private JsonObject CompileConfig() => new()
    {
        ["optimizer"] = ToJsonNode(_optimizer!.GetConfig()),
        ["heads"] = new JsonArray(_heads!.Select(h => (JsonNode?)new JsonObject
        {
            ["name"] = h.Name,
            ["loss"] = h.Loss.GetConfig(),
            ["loss_weight"] = h.Weight,
            ["metrics"] = new JsonArray(h.Specs.Select(s => (JsonNode?)JsonValue.Create(s.Name)).ToArray()),
        }).ToArray()),
    };

    private JsonObject TrainingStateJson()
    {
        var (s0, s1, s2, s3, spare) = TrainingRng.GetState();
        return new JsonObject
        {
            ["epoch"] = Epoch,
            ["rng"] = new JsonArray(JsonValue.Create(s0), JsonValue.Create(s1), JsonValue.Create(s2), JsonValue.Create(s3)),
            ["rng_spare_normal"] = double.IsNaN(spare) ? null : spare,
        };
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

    // ---- reading -------------------------------------------------------------------------------

    private static JsonObject ParseObject(string path, IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var text)) throw new CheckpointFormatException(path, $"its metadata has no '{key}'");
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new CheckpointFormatException(path, $"its '{key}' is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"its '{key}' is not valid JSON: {e.Message}", e);
        }
    }

    private void AssignWeights(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var all = Weights;
        foreach (var v in all)
        {
            if (!tensors.TryGetValue(WeightPrefix + v.Path, out var t))
                throw new CheckpointFormatException(path, $"it has no weight '{v.Path}' (the model's weights are: {string.Join(", ", all.Select(w => w.Path))})");
            if (t.Shape != v.Shape)
                throw new CheckpointFormatException(path, $"weight '{v.Path}' has shape {t.Shape} in the file but {v.Shape} in the model");
        }
        var extra = tensors.Keys.Where(k => k.StartsWith(WeightPrefix, StringComparison.Ordinal) && all.All(v => WeightPrefix + v.Path != k)).ToList();
        if (extra.Count > 0)
            throw new CheckpointFormatException(path, $"it has weights this model does not have: {string.Join(", ", extra.Take(5))}");
        foreach (var v in all) v.Assign(tensors[WeightPrefix + v.Path]);
    }

    private void RestoreCompile(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var config = ParseObject(path, metadata, "compile_config");
        try
        {
            var optimizerConfig = JsonDocument.Parse(config["optimizer"]?.ToJsonString() ?? "null").RootElement;
            if (optimizerConfig.ValueKind != JsonValueKind.Object) throw new FormatException("\"optimizer\" must be an object");
            var optimizer = Optimizer.FromConfig(optimizerConfig.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value));
            var losses = new Dictionary<string, Loss>();
            var weights = new Dictionary<string, double>();
            var metrics = new Dictionary<string, MetricSpec[]>();
            foreach (var node in config["heads"] as JsonArray ?? throw new FormatException("\"heads\" must be a list"))
            {
                var h = node as JsonObject ?? throw new FormatException("each head must be an object");
                var name = h.Str("name");
                var lossConfig = h["loss"] as JsonObject ?? throw new FormatException($"head '{name}' has no loss");
                var loss = Loss.FromConfig(lossConfig.Str("name"), lossConfig);
                losses[name] = loss;
                weights[name] = h.Double("loss_weight");
                var names = (h["metrics"] as JsonArray ?? []).Select(m => m!.GetValue<string>()).ToArray();
                foreach (var m in names) Metric.FromName(m, loss.TargetKind ?? TargetKind.Categorical);
                metrics[name] = names.Select(m => (MetricSpec)m).ToArray();
            }
            if (losses.Count == 1 && OutputNames.Count == 1 && !losses.ContainsKey(OutputNames[0]))
                throw new FormatException($"the compile config is for output '{losses.Keys.First()}' but the model's output is '{OutputNames[0]}'");
            Compile(optimizer, losses: losses, lossWeights: weights, headMetrics: metrics);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            throw new CheckpointFormatException(path,
                $"its compile config cannot be restored ({e.Message}). Custom losses and metrics must be registered (Loss.Register) before loading, or load with compile: false", e);
        }
        RestoreOptimizer(path, tensors);
    }

    private void RestoreOptimizer(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        RequireCompiled("restoring optimizer state");
        var state = tensors.Where(kv => kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value);
        if (state.Count == 0) return;
        try
        {
            _optimizer!.SetState(TrainableWeights, state);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(path, $"its optimizer state does not fit this model's {_optimizer!.Name} optimizer: {e.Message}", e);
        }
    }

    private void RestoreTrainingState(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var state = ParseObject(path, metadata, "training_state");
        try
        {
            var epoch = state.Int("epoch");
            var rng = (state["rng"] as JsonArray ?? throw new FormatException("\"rng\" must be a list")).Select(v => v!.GetValue<ulong>()).ToArray();
            if (rng.Length != 4 || epoch < 0) throw new FormatException("\"rng\" must hold 4 numbers and \"epoch\" must be >= 0");
            var spare = state["rng_spare_normal"]?.GetValue<double>() ?? double.NaN;
            var r = new Rng(0);
            r.SetState((rng[0], rng[1], rng[2], rng[3], spare));
            TrainingRng = r;
            Epoch = epoch;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new CheckpointFormatException(path, $"its training state cannot be read: {e.Message}", e);
        }
    }

    private static void RestoreCallbacks(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyList<Callback> callbacks)
    {
        if (!metadata.TryGetValue("callbacks", out var text)) return;
        JsonArray saved;
        try { saved = JsonNode.Parse(text) as JsonArray ?? throw new FormatException("not a list"); }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new CheckpointFormatException(path, $"its callback states cannot be read: {e.Message}", e);
        }
        var stateful = callbacks.Where(c => c.GetState() is not null).ToList();
        var savedTypes = saved.Select(s => s?["type"]?.GetValue<string>() ?? "?").ToList();
        if (!savedTypes.SequenceEqual(stateful.Select(c => c.GetType().Name)))
            throw new InvalidOperationException(
                $"The backup in '{path}' was written with stateful callbacks [{string.Join(", ", savedTypes)}] but this Fit has [{string.Join(", ", stateful.Select(c => c.GetType().Name))}]; resume with the same callbacks.");
        for (var i = 0; i < stateful.Count; i++)
        {
            var prefix = $"{CallbackPrefix}{i}/";
            var own = tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            var values = saved[i]!["state"] as JsonObject ?? [];
            stateful[i].SetState(new CallbackState((JsonObject)values.DeepClone(), own));
        }
    }
}
