using Engine.Layers;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>A plain stack of layers (Keras's Sequential), built from a list or with <see cref="Add"/>.
/// The input shape comes from a leading <see cref="Layers.Input"/>, from the first layer's
/// <c>inputShape:</c>, from <see cref="Build"/>, or from the first batch it sees.
/// <code>
/// var model = new Sequential([
///     new Conv2D(32, (3, 3), activation: "relu", inputShape: [1, 28, 28]),
///     new MaxPooling2D((2, 2)),
///     new Flatten(),
///     new Dense(10, activation: "softmax"),
/// ]);
/// </code></summary>
public class Sequential : Model
{
    private readonly List<Layer> _layers = [];
    private Input? _declaredInput;

    public Sequential(IEnumerable<Layer>? layers = null, string? name = null, ulong seed = DefaultSeed, DType? dtype = null) : base(name ?? "sequential", seed, dtype)
    {
        if (layers is null) return;
        foreach (var l in layers) AddLayer(l);
        Rebuild();
    }

    /// <summary>Appends a layer (rebuilding the graph when the input shape is already known).</summary>
    public void Add(Layer layer)
    {
        AddLayer(layer);
        Rebuild();
    }

    private void AddLayer(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is Input input)
        {
            if (_layers.Count > 0 || _declaredInput is not null)
                throw new ArgumentException("An Input can only be the first entry of a Sequential model.");
            _declaredInput = input;
            return;
        }
        if (_layers.Contains(layer))
            throw new ArgumentException($"Layer '{layer.Name}' is already in this model; create a new layer instead of adding it twice.");
        _layers.Add(layer);
    }

    /// <summary>Builds the weights for a per-sample input shape (channels-first), like Keras's
    /// <c>model.build((None, 28, 28, 1))</c> — here <c>model.Build(1, 28, 28)</c>.</summary>
    public void Build(params int[] inputShape)
    {
        if (Built)
        {
            if (!inputShape.AsSpan().SequenceEqual(InputShape)) throw new InvalidOperationException(
                $"The model was already built for input shape {Layer.WithBatch(InputShape!)}; it cannot be rebuilt for {Layer.WithBatch(inputShape)}.");
            return;
        }
        Wire(inputShape);
    }

    private void Rebuild()
    {
        var shape = InputShape ?? _declaredInput?.LayerShape ?? (_layers.Count > 0 ? _layers[0].InputShape : null);
        if (shape is not null && _layers.Count > 0) Wire(shape);
        else NameAll();
    }

    private void Wire(int[] inputShape)
    {
        ResetGraph(_declaredInput);
        var shape = inputShape;
        for (var i = 0; i < _layers.Count; i++)
        {
            shape = _layers[i].ComputeOutputShape(shape);
            AddNode(new GraphNode(_layers[i], [i - 1], shape));
        }
        NameLayers();
        SetSingleOutput();
        BuildLayers([inputShape]);
    }

    /// <summary>Names layers even before the graph exists, so errors and Summary agree.</summary>
    private void NameAll()
    {
        ResetGraph(_declaredInput);
        for (var i = 0; i < _layers.Count; i++) AddNode(new GraphNode(_layers[i], [i - 1], []));
        NameLayers();
        ResetGraph(_declaredInput);
    }

    internal override void EnsureBuilt(Tensor x)
    {
        if (Built) return;
        if (_layers.Count == 0) throw new InvalidOperationException("This Sequential model has no layers; add some with Add.");
        if (x.Rank < 2) throw new ArgumentException($"Input 0 of layer \"{_layers[0].Name}\" is incompatible with the layer: expected a batch axis and at least one feature axis, received {x.Shape}.");
        Wire(x.Shape.ToArray()[1..]);
    }
}
