namespace Engine.Layers;

/// <summary>One weight of a layer (Keras's Variable): a tensor with a stable path such as
/// "conv2d/kernel" that names it in checkpoints, and whether the optimizer updates it.</summary>
public sealed class Variable
{
    internal Variable(Layer layer, string name, Tensor value, bool trainable)
    {
        (Layer, Name, Value, Trainable) = (layer, name, value, trainable);
    }

    public Layer Layer { get; }

    /// <summary>Short name within the layer: "kernel", "bias", "gamma", "moving_mean".</summary>
    public string Name { get; }

    /// <summary>"layer_name/weight_name": the key in checkpoints and in <c>Model.GetWeights()</c>.</summary>
    public string Path => $"{Layer.PathPrefix}{Layer.Name}/{Name}";

    /// <summary>The current tensor (replaced, not mutated, when the model moves to another device).</summary>
    public Tensor Value { get; internal set; }

    /// <summary>False for statistics such as batch-norm moving averages (never touched by the optimizer).</summary>
    public bool Trainable { get; }

    public Shape Shape => Value.Shape;

    /// <summary>Copies values in (same shape; moved to this variable's device and dtype).</summary>
    public void Assign(Tensor source)
    {
        if (source.Shape != Value.Shape)
            throw new ArgumentException($"Cannot assign a tensor of shape {source.Shape} to weight '{Path}' of shape {Value.Shape}.");
        using var onDevice = source.Device == Value.Device ? null : source.To(Value.Device);
        var src = onDevice ?? source;
        using var cast = src.DType == Value.DType ? null : src.To(Value.DType);
        Value.Backend.Copy(cast ?? src, Value, Value.Size);
    }

    public override string ToString() => $"<Variable path={Path}, shape={Value.Shape}, dtype={Value.DType.Name()}, trainable={Trainable}>";
}
