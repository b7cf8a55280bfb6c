using Engine.Layers;
using Engine.Models;
using Engine.Onnx;

namespace Engine.Cli.Training;

/// <summary>`train --model FILE.onnx`: the pretrained backbone imported from ONNX (up to
/// --feature-layer), its preprocessing as a fixed first layer, and a new GlobalAveragePooling2D +
/// Dense head for the data's classes (Transfer.WithNewHead). Every problem with the file is the
/// importer's message, as a usage error.</summary>
internal static class OnnxBackbone
{
    /// <summary>Fills in what the file decides when the user did not: the image size (the file's
    /// input size) and the preprocessing mode (its metadata). Runs before anything is written.</summary>
    public static TrainSettings Resolve(TrainSettings s, bool imageSizeGiven, Action<string> log)
    {
        RequireFile(s.Model);
        var metadata = Guard(s.Model, () => OnnxModel.ReadMetadata(s.Model));
        var (mode, why) = BackbonePreprocessing.Resolve(s.Preprocess, metadata);
        log($"Backbone preprocessing: {mode} ({why}).");
        if (imageSizeGiven) return s with { Preprocess = mode };
        var size = Guard(s.Model, () =>
        {
            using var probe = OnnxModel.Load(s.Model, new OnnxImportOptions { StopAt = s.FeatureLayer, LoadWeights = false });
            return probe.InputShape is [_, var h, var w] && h == w ? h
                : throw new UsageException($"--model '{s.Model}' takes inputs {Tensors.Shape.Format(probe.InputShape?.ToArray() ?? [])}, not square images; pass --image-size.");
        });
        log($"Image size: {size} (the backbone's input size; --image-size N takes a smaller one).");
        return s with { Preprocess = mode, ImageSize = size };
    }

    public static Model Build(TrainSettings s, TrainingData data)
    {
        RequireFile(s.Model);
        var import = new OnnxImportOptions { InputShape = [data.Channels, data.Size, data.Size], StopAt = s.FeatureLayer };
        // Not disposed: the new model shares (and owns) the backbone's layers and weights.
        var backbone = Guard(s.Model, () => OnnxModel.Load(s.Model, import),
            s.FeatureLayer is null ? " If the file's classifier or final pooling does not fit --image-size, stop before it with --feature-layer NODE (the last feature map, as Keras's include_top=False)." : "");
        if (backbone.InputShape is { } shape && shape[0] != data.Channels)
            throw new UsageException($"--model '{s.Model}' takes {shape[0]}-channel images, but the data gives {data.Channels}; " +
                (shape[0] == 3 ? "drop --grayscale." : "pass --grayscale."));
        var preprocess = BackbonePreprocessing.Layer(s.Preprocess ?? "none", data.Channels);
        Model model;
        try
        {
            model = backbone.WithNewHead(data.Vocabulary.Count, activation: null, freezeBackbone: s.FreezeBackbone, preprocessing: preprocess);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--model '{s.Model}': a classification head cannot go on its output: {e.Message} Name the feature map with --feature-layer NODE.");
        }
        if (preprocess is not null) BackbonePreprocessing.SetWeights(preprocess, s.Preprocess!);
        return model;
    }

    /// <summary>--unfreeze-after: the top weighted backbone layers become trainable (BatchNormalization
    /// stays frozen; the preprocessing layer never trains).</summary>
    public static IReadOnlyList<Layer> Unfreeze(Model model, int layers)
    {
        var unfrozen = model.UnfreezeTop(layers);
        foreach (var l in model.Layers.Where(l => l.Name == BackbonePreprocessing.LayerName)) l.Trainable = false;
        return unfrozen.Where(l => l.Name != BackbonePreprocessing.LayerName).ToList();
    }

    private static void RequireFile(string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"--model '{path}' is a folder; pass the .onnx file.");
        if (!File.Exists(path)) throw new UsageException($"--model: ONNX file '{path}' does not exist.");
    }

    private static T Guard<T>(string path, Func<T> read, string hint = "")
    {
        try
        {
            return read();
        }
        catch (OnnxImportException e)
        {
            throw new UsageException($"--model '{path}' cannot be used: {e.Message}{hint}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--model '{path}' cannot be read: {e.Message}");
        }
    }
}
