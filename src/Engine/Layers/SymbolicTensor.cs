namespace Engine.Layers;

/// <summary>A placeholder flowing through the functional API (Keras's KerasTensor): it knows its
/// per-sample shape and which layer produced it from which input, and holds no data.
/// <code>
/// var input = new Input(1, 28, 28);
/// var h = new Conv2D(32, 3, activation: "relu").Apply(input);
/// </code></summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(int[] shape, Layer layer, SymbolicTensor? parent)
    {
        Shape = shape;
        Layer = layer;
        Parent = parent;
    }

    /// <summary>Per-sample shape (the batch axis is implicit).</summary>
    public int[] Shape { get; }

    /// <summary>The layer that produced this tensor (an <see cref="Input"/> for the model input).</summary>
    public Layer Layer { get; }

    /// <summary>The tensor the layer was applied to; null for the model input.</summary>
    public SymbolicTensor? Parent { get; }

    public override string ToString() => $"<SymbolicTensor shape={Layer.WithBatch(Shape)}, from={Layer.Name}>";
}
