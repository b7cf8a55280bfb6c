namespace Engine.Onnx;

/// <summary>What an exported file says about itself (ONNX metadata_props), for the application that
/// deploys it: class names of the outputs, the input layout and the preprocessing the model expects.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Class names in output-column order (stored as a JSON array under "class_names").</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Class names per output, for multi-head models ("class_names.{output}").</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? ClassNamesByOutput { get; init; }

    /// <summary>How raw inputs become model inputs, in words or as a formula, e.g.
    /// "RGB pixels in [0, 255]; the model's Rescaling layer maps them to [0, 1]".</summary>
    public string? Preprocessing { get; init; }

    /// <summary>Further key/value pairs for metadata_props.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Name of the graph input (default: the model's Input layer name, or "input").</summary>
    public string? InputName { get; init; }

    /// <summary>Symbolic name of the dynamic batch dimension.</summary>
    public string BatchDimension { get; init; } = "batch";
}
