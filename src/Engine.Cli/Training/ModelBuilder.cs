using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Models;
using Engine.Serialization;

namespace Engine.Cli.Training;

/// <summary>The model a run trains: the seed CNN, a zoo model or a JSON model config, checked against the data.</summary>
internal static class ModelBuilder
{
    public static Model Build(TrainSettings settings, TrainingData data)
    {
        var classes = data.Vocabulary.Count;
        if (settings.Model == "seed") return SeedCnn.Build(data.Channels, data.Size, classes, rescale: 1.0 / 255, seed: (ulong)settings.Seed);
        if (Applications.Names.Contains(settings.Model)) return ZooModel(settings, data, classes);
        if (settings.UsesOnnx) return OnnxBackbone.Build(settings, data);
        if (!File.Exists(settings.Model))
            throw new UsageException($"--model must be 'seed', a zoo model ({string.Join(", ", Applications.Names)}), a JSON model config file or an ONNX file; '{settings.Model}' does not exist.");
        var model = FromJsonFile(settings.Model, "--model");
        try
        {
            if (model.InputShape is { } shape && (shape.Length != 3 || shape[0] != data.Channels || shape[1] != data.Size || shape[2] != data.Size))
                throw new UsageException($"The model in '{settings.Model}' expects inputs {Tensors.Shape.Format(shape)}, but the data gives ({data.Channels}, {data.Size}, {data.Size}); adjust --image-size / --grayscale.");
            if (model.OutputShapes.Count != 1)
                throw new UsageException($"The model in '{settings.Model}' has {model.OutputShapes.Count} outputs; 'engine train' trains models with one output.");
            var outputs = model.OutputShapes.Values.Single();
            if (outputs[^1] != classes)
                throw new UsageException($"The model in '{settings.Model}' has {outputs[^1]} outputs, but the data has {classes} {(settings.MultiLabel ? "labels" : "classes")}.");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A zoo model behind the seed CNN's 1/255 rescaling, for this data's image size and classes.</summary>
    private static Model ZooModel(TrainSettings settings, TrainingData data, int classes)
    {
        Model zoo;
        try { zoo = Applications.Create(settings.Model, data.Size, data.Channels, classes, (ulong)settings.Seed); }
        catch (ArgumentException e) { throw new UsageException($"--model {settings.Model}: {e.Message} (set --image-size)"); }
        var input = new Engine.Layers.Input(data.Channels, data.Size, data.Size);
        return new Model(input, zoo.Apply(new Engine.Layers.Rescaling(1.0 / 255).Apply(input)), name: settings.Model, seed: (ulong)settings.Seed);
    }

    /// <summary>Reads a model config written by ModelConfig.ToJson (or by hand); anything that is not
    /// such a config is the user's file to fix, named in the message.</summary>
    public static Model FromJsonFile(string path, string what)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new UsageException($"{what} '{path}' does not hold a JSON object; expected a model config such as {{\"class_name\": \"Sequential\", \"config\": {{\"layers\": [...]}}}}.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{what} '{path}' is not valid JSON ({e.Message}); expected a model config.");
        }
        try
        {
            return ModelConfig.FromJson(json);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            throw new UsageException($"{what} '{path}' is not a usable model config: {e.Message} " +
                "(expected {\"class_name\": \"Sequential\" or \"Functional\", \"config\": {\"layers\": [{\"class_name\": ..., \"config\": {...}}, ...]}}, as ModelConfig.ToJson writes it).");
        }
    }
}
