namespace Engine.Tensors;

public enum DeviceKind
{
    Cpu,
    Cuda,
}

/// <summary>Where a tensor's storage lives: the CPU, or one CUDA GPU by index.</summary>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static Device Cpu { get; } = new(DeviceKind.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, index);

    public bool IsCuda => Kind == DeviceKind.Cuda;

    /// <summary>Parses "cpu", "cuda" or "cuda:1", the spelling PyTorch uses.</summary>
    public static Device Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda" || t == "gpu") return Cuda();
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out var i) && i >= 0)
            return Cuda(i);
        throw new ArgumentException($"Unknown device '{text}'; expected 'cpu', 'cuda' or 'cuda:N'.", nameof(text));
    }

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}
