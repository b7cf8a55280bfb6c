namespace Engine.Layers;

/// <summary>What a layer call needs besides its input: whether this is a training step (dropout
/// active, batch-norm on batch statistics) and a seed for that step's random masks.</summary>
public readonly record struct CallContext(bool Training, ulong Seed)
{
    public static CallContext Inference { get; } = new(false, 0);

    /// <summary>Set by a model for a BatchNormalization or Add whose only consumer is a plain ReLU: the layer
    /// applies that ReLU itself, fused (see Models/ReluFusion; Add does the same).</summary>
    internal bool FusedRelu { get; init; }
}
