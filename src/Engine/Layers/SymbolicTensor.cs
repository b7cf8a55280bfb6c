namespace Engine.Layers;

/// <summary>A placeholder flowing through the functional API (Keras's KerasTensor): it knows its
/// per-sample shape and which layer produced it from which inputs, and holds no data.
/// <code>
/// var input = new Input(1, 28, 28);
/// var h = new Conv2D(32, 3, activation: "relu").Apply(input);
/// var sum = new Add().Apply(h, new Conv2D(32, 3, activation: "relu").Apply(input));
/// </code></summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(int[] shape, Layer layer, SymbolicTensor[] parents, DType dtype)
    {
        (Shape, Layer, Parents, DType) = (shape, layer, parents, dtype);
    }

    /// <summary>Per-sample shape (the batch axis is implicit; channels-first for images).</summary>
    public int[] Shape { get; }

    /// <summary>The layer that produced this tensor (an <see cref="Input"/> for a model input).</summary>
    public Layer Layer { get; }

    /// <summary>The tensors the layer was applied to; empty for a model input.</summary>
    public IReadOnlyList<SymbolicTensor> Parents { get; }

    /// <summary>The first of <see cref="Parents"/>; null for a model input.</summary>
    public SymbolicTensor? Parent => Parents.Count > 0 ? Parents[0] : null;

    /// <summary>Element type of the values that will flow here (the dtype of the model inputs).</summary>
    public DType DType { get; }

    public override string ToString() => $"<SymbolicTensor shape={Layer.WithBatch(Shape)}, from={Layer.Name}>";
}
