using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Callbacks;
using Engine.Losses;
using Engine.Metrics;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;
using Engine.Training;

namespace Engine.Serialization;

/// <summary>Reads a checkpoint (layout: <see cref="Checkpoint"/>) back into a model: a new model from
/// its config (<see cref="Load"/>), weights into a built one, or everything a resumed Fit needs
/// (<see cref="RestoreTraining"/>). Damage or a mismatch is a <see cref="CheckpointFormatException"/>
/// naming the file.</summary>
internal static class CheckpointReader
{
    public static Model Load(string path, bool compile)
    {
        var (tensors, metadata) = ModelFile.Read(path);
        Model model;
        try
        {
            model = ModelConfig.FromJson(ParseObject(path, metadata, Checkpoint.ModelConfigKey));
            if (!model.Built) throw new FormatException("the saved model was never built, so it has no weights");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or JsonException)
        {
            throw new CheckpointFormatException(path, $"its model config cannot be rebuilt: {e.Message}", e);
        }
        try
        {
            AssignWeights(model, path, tensors);
            if (compile && metadata.ContainsKey(Checkpoint.CompileConfigKey)) RestoreCompile(model, path, metadata, tensors);
            if (metadata.ContainsKey(Checkpoint.TrainingStateKey)) RestoreTrainingState(model, path, metadata);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        foreach (var t in tensors.Values) t.Dispose();
        return model;
    }

    /// <summary>Only the weights, into an already built model.</summary>
    public static void LoadWeights(Model model, string path)
    {
        var (tensors, _) = ModelFile.Read(path);
        AssignWeights(model, path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }

    /// <summary>Weights, optimizer state, random stream, epoch and callback states, into a compiled
    /// model (a Sequential that builds from its first batch is built from the saved input shape).</summary>
    public static void RestoreTraining(Model model, string path, IReadOnlyList<Callback> callbacks)
    {
        var (tensors, metadata) = ModelFile.Read(path);
        if (!model.Built && model is Sequential sequential)
        {
            var config = ParseObject(path, metadata, Checkpoint.ModelConfigKey)["config"] as JsonObject;
            var shape = config?.IntsOrNull("build_input_shape") ?? throw new CheckpointFormatException(path, "its model config has no build_input_shape");
            sequential.Build(shape);
        }
        AssignWeights(model, path, tensors);
        RestoreOptimizer(model, path, tensors);
        RestoreTrainingState(model, path, metadata);
        RestoreRunning(model, path, metadata, tensors);
        RestoreCallbacks(path, metadata, tensors, callbacks);
        foreach (var t in tensors.Values) t.Dispose();
    }

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

    private static void AssignWeights(Model model, string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        const string prefix = Checkpoint.WeightPrefix;
        var all = model.Weights;
        foreach (var v in all)
        {
            if (!tensors.TryGetValue(prefix + v.Path, out var t))
                throw new CheckpointFormatException(path, $"it has no weight '{v.Path}' (the model's weights are: {string.Join(", ", all.Select(w => w.Path))})");
            if (t.Shape != v.Shape)
                throw new CheckpointFormatException(path, $"weight '{v.Path}' has shape {t.Shape} in the file but {v.Shape} in the model");
        }
        var extra = tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && all.All(v => prefix + v.Path != k)).ToList();
        if (extra.Count > 0)
            throw new CheckpointFormatException(path, $"it has weights this model does not have: {string.Join(", ", extra.Take(5))}");
        foreach (var v in all) v.Assign(tensors[prefix + v.Path]);
    }

    private static void RestoreCompile(Model model, string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var config = ParseObject(path, metadata, Checkpoint.CompileConfigKey);
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
            var outputs = model.OutputNames;
            if (losses.Count == 1 && outputs.Count == 1 && !losses.ContainsKey(outputs[0]))
                throw new FormatException($"the compile config is for output '{losses.Keys.First()}' but the model's output is '{outputs[0]}'");
            model.Compile(optimizer, losses: losses, lossWeights: weights, headMetrics: metrics);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            throw new CheckpointFormatException(path,
                $"its compile config cannot be restored ({e.Message}). Custom losses and metrics must be registered (Loss.Register) before loading, or load with compile: false", e);
        }
        RestoreOptimizer(model, path, tensors);
    }

    private static void RestoreOptimizer(Model model, string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var training = model.Training ?? throw new InvalidOperationException("You must call Compile() before using the model for restoring optimizer state.");
        const string prefix = Checkpoint.OptimizerPrefix;
        var state = tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        if (state.Count == 0) return;
        try
        {
            training.Optimizer.SetState(model.TrainableWeights, state);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(path, $"its optimizer state does not fit this model's {training.Optimizer.Name} optimizer: {e.Message}", e);
        }
    }

    private static void RestoreTrainingState(Model model, string path, IReadOnlyDictionary<string, string> metadata)
    {
        var state = ParseObject(path, metadata, Checkpoint.TrainingStateKey);
        try
        {
            var epoch = state.Int("epoch");
            if (epoch < 0) throw new FormatException("\"epoch\" must be >= 0");
            var r = new Rng(0);
            r.SetState(ReadRng(state, "rng"));
            model.TrainingRng = r;
            model.Epoch = epoch;
            model.ResumeProgress = state["batch"] is null ? null : new EpochProgress
            {
                InEpoch = true,
                Epoch = epoch,
                NextBatch = state.Int("batch") is var b and >= 0 ? b : throw new FormatException("\"batch\" must be >= 0"),
                EpochStart = ReadRng(state, "epoch_rng"),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new CheckpointFormatException(path, $"its training state cannot be read: {e.Message}", e);
        }
    }

    /// <summary>A random stream's state: four numbers under <paramref name="key"/>, the spare normal
    /// under key + "_spare_normal".</summary>
    private static (ulong, ulong, ulong, ulong, double) ReadRng(JsonObject state, string key)
    {
        var rng = (state[key] as JsonArray ?? throw new FormatException($"\"{key}\" must be a list")).Select(v => v!.GetValue<ulong>()).ToArray();
        if (rng.Length != 4) throw new FormatException($"\"{key}\" must hold 4 numbers");
        return (rng[0], rng[1], rng[2], rng[3], state[key + "_spare_normal"]?.GetValue<double>() ?? double.NaN);
    }

    /// <summary>A mid-epoch backup's running loss and metric sums, back into the model's trackers.</summary>
    private static void RestoreRunning(Model model, string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (model.ResumeProgress is null || model.Training is not { } training) return;
        var state = ParseObject(path, metadata, Checkpoint.TrainingStateKey);
        if (state["running"] is not JsonObject running) throw new CheckpointFormatException(path, "it was written mid-epoch but holds no running loss and metric sums");
        const string prefix = Checkpoint.RunningPrefix;
        try
        {
            training.RestoreRunning(running, tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value));
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new CheckpointFormatException(path, $"its running loss and metric sums cannot be restored: {e.Message}", e);
        }
    }

    private static void RestoreCallbacks(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyList<Callback> callbacks)
    {
        if (!metadata.TryGetValue(Checkpoint.CallbacksKey, out var text)) return;
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
            var prefix = $"{Checkpoint.CallbackPrefix}{i}/";
            var own = tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            var values = saved[i]!["state"] as JsonObject ?? [];
            stateful[i].SetState(new CallbackState((JsonObject)values.DeepClone(), own));
        }
    }
}
