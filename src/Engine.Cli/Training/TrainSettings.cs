using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Cli.Training;

/// <summary>Everything a training run depends on, fully resolved (defaults filled in). Written to the
/// run folder as config.json, read back by --resume, evaluate and predict.</summary>
internal sealed record TrainSettings
{
    /// <summary>Class-per-folder image tree (null: the embedded digits, unless Labels is set).</summary>
    public string? Data { get; init; }

    /// <summary>Multi-label CSV (path,labels).</summary>
    public string? Labels { get; init; }

    public int ImageSize { get; init; } = 28;

    public bool Grayscale { get; init; }

    /// <summary>"seed", a path to a JSON model config, or a pretrained ONNX backbone (.onnx).</summary>
    public string Model { get; init; } = "seed";

    /// <summary>ONNX backbone: import only up to this node (null: the file's output).</summary>
    public string? FeatureLayer { get; init; }

    /// <summary>ONNX backbone: none, caffe, torch or tf (see BackbonePreprocessing); resolved when the run starts.</summary>
    public string? Preprocess { get; init; }

    /// <summary>ONNX backbone: train only the new head (BatchNormalization on its moving statistics).</summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>With FreezeBackbone: after this many epochs, unfreeze the top UnfreezeLayers weighted
    /// layers and go on at a tenth of the learning rate.</summary>
    public int? UnfreezeAfter { get; init; }

    /// <summary>How many weighted backbone layers (counted from the top) --unfreeze-after makes trainable.</summary>
    public int UnfreezeLayers { get; init; } = 5;

    public int Epochs { get; init; } = 8;

    public int BatchSize { get; init; } = 64;

    public string Optimizer { get; init; } = "adam";

    public double? LearningRate { get; init; }

    public bool Augment { get; init; }

    /// <summary>null or "balanced".</summary>
    public string? ClassWeight { get; init; }

    public bool MultiLabel { get; init; }

    /// <summary>null (plain BCE), "auto" (negatives/positives per label) or a number.</summary>
    public string? PosWeight { get; init; }

    public double ValidationSplit { get; init; } = 0.1;

    public int Seed { get; init; } = 42;

    /// <summary>"auto", "cpu" or "cuda[:N]".</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Early-stopping patience in epochs (null: train all epochs).</summary>
    public int? Patience { get; init; }

    /// <summary>Train on at most this many samples (quick runs and tests).</summary>
    public int? Limit { get; init; }

    /// <summary>"error" (stop with the list of bad images) or "skip" (leave them out with a warning).</summary>
    public string OnBadFile { get; init; } = "error";

    [JsonIgnore]
    public bool UsesOnnx => Model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    [JsonIgnore]
    public bool UsesDigits => Data is null && Labels is null;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainSettings FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainSettings>(json, Json) ?? throw new UsageException($"{source} holds no training configuration.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"'{source}' is not a valid training configuration: {e.Message}");
        }
    }

    public static TrainSettings Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"No training configuration at '{path}': is this a run folder written by 'engine train'?");
        return FromJson(File.ReadAllText(path), path);
    }
}
