namespace Engine.Onnx;

/// <summary>How to import: the per-sample input shape when the file's is symbolic or should be
/// changed (e.g. [3, 160, 160] for a fully convolutional backbone).</summary>
public sealed record OnnxImportOptions
{
    /// <summary>Per-sample input shape, channels-first (batch excluded); default: the file's.</summary>
    public int[]? InputShape { get; init; }

    /// <summary>Import only up to this node (its name, or the name of its output tensor) and make it
    /// the single output: a backbone without its classifier, like Keras's include_top=False. The
    /// nodes after it are not read, so they need not fit a changed <see cref="InputShape"/>.</summary>
    public string? StopAt { get; init; }

    /// <summary>False: the architecture only, every layer with its own fresh initialization (Keras's
    /// weights=None) — the from-scratch baseline of a transfer-learning comparison.</summary>
    public bool LoadWeights { get; init; } = true;
}
