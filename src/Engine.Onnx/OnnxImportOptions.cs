namespace Engine.Onnx;

/// <summary>How to import: the per-sample input shape when the file's is symbolic or should be
/// changed (e.g. [3, 160, 160] for a fully convolutional backbone).</summary>
public sealed record OnnxImportOptions
{
    /// <summary>Per-sample input shape, channels-first (batch excluded); default: the file's.</summary>
    public int[]? InputShape { get; init; }
}
