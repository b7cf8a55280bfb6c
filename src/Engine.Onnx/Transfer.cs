using Engine.Layers;
using Engine.Models;

namespace Engine.Onnx;

/// <summary>Transfer learning in Keras's manner, for a pretrained backbone (imported from ONNX or
/// trained here): the backbone's layers, frozen (BatchNormalization then runs on its moving
/// statistics), under a new head — GlobalAveragePooling2D (for image features) + Dense. Keras:
/// <code>
/// base = keras.applications.ResNet50(include_top=False); base.trainable = False
/// x = base(inputs, training=False); x = GlobalAveragePooling2D()(x); outputs = Dense(n)(x)
/// </code>
/// Engine: <c>var model = backbone.WithNewHead(classes: 5);</c> then Compile and Fit; later
/// <see cref="UnfreezeTop"/> and compile again with a lower learning rate to fine-tune.</summary>
public static class Transfer
{
    /// <summary>A new model: <paramref name="preprocessing"/> (optional, frozen), then the backbone's layers (shared, not copied: the weights are the same
    /// tensors) up to <paramref name="featureLayer"/> (default: the backbone's output), then
    /// GlobalAveragePooling2D when the features are images, optional Dropout, and Dense(classes).</summary>
    public static Model WithNewHead(this Model backbone, int classes, string? activation = "softmax", string? featureLayer = null,
        bool freezeBackbone = true, double dropout = 0, string? name = null, Layer? preprocessing = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (classes <= 0) throw new ArgumentException($"classes must be positive; received {classes}.", nameof(classes));
        if (!backbone.Built) throw new InvalidOperationException($"The backbone '{backbone.Name}' is not built; give it an input shape first.");
        var input = new Input(backbone.InputShape!.ToArray(), backbone.Input?.Name is { } n ? n : "input");
        // A fixed preprocessing layer (e.g. channel order and mean subtraction) goes in front of the
        // backbone, so the saved model takes raw pixels; it never trains.
        var fed = input.Output;
        if (preprocessing is not null)
        {
            fed = preprocessing.Apply(fed);
            preprocessing.Trainable = false;
        }
        var features = Reapply(backbone, fed, featureLayer);
        if (freezeBackbone)
            foreach (var layer in backbone.Layers) layer.Trainable = false;

        var x = features.Shape.Length == 3 ? new GlobalAveragePooling2D(name: "head_pool").Apply(features)
            : features.Shape.Length == 1 ? features
            : throw new ArgumentException($"The features of '{featureLayer ?? backbone.OutputNames[0]}' have shape {Layer.WithBatch(features.Shape)}; a head needs (N, C, H, W) or (N, C).");
        if (dropout > 0) x = new Dropout(dropout, name: "head_dropout").Apply(x);
        var output = new Dense(classes, activation: activation, name: "head_dense").Apply(x);
        return new Model(input, output, name ?? $"{backbone.Name}_transfer");
    }

    /// <summary>Makes the last <paramref name="layers"/> weighted layers of the backbone part trainable
    /// again (counted from the head backwards; the head is always trainable). BatchNormalization
    /// layers stay frozen, as Keras advises, so their statistics are not disturbed by small batches.
    /// Compile again afterwards (with a lower learning rate) so the optimizer sees the new weights.</summary>
    public static IReadOnlyList<Layer> UnfreezeTop(this Model model, int layers)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (layers < 0) throw new ArgumentException($"layers must be ≥ 0; received {layers}.", nameof(layers));
        var unfrozen = model.Layers.Where(l => !l.Trainable && l.Weights.Count > 0 && l is not BatchNormalization)
            .Reverse().Take(layers).ToList();
        foreach (var l in unfrozen) l.Trainable = true;
        return unfrozen;
    }

    /// <summary>Applies the backbone's layers, in its graph order, to a new input; returns the
    /// symbolic output of <paramref name="featureLayer"/> (or of the single output).</summary>
    private static SymbolicTensor Reapply(Model backbone, SymbolicTensor input, string? featureLayer)
    {
        var nodes = backbone.Nodes;
        var values = new SymbolicTensor[nodes.Count];
        var target = -1;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.Parents.Any(p => p < -1))
                throw new ArgumentException($"The backbone '{backbone.Name}' has several inputs; a transfer head needs a single-input backbone.");
            values[i] = node.Layer.Apply(node.Parents.Select(p => p < 0 ? input : values[p]).ToList());
            if (featureLayer is not null && node.Layer.Name == featureLayer) target = i;
        }
        if (featureLayer is null)
        {
            if (backbone.OutputNodes.Count != 1)
                throw new ArgumentException($"The backbone '{backbone.Name}' has {backbone.OutputNodes.Count} outputs; name the feature layer.");
            return values[backbone.OutputNodes[0].Node];
        }
        return target >= 0 ? values[target]
            : throw new ArgumentException($"The backbone has no layer '{featureLayer}'. Its layers are: {string.Join(", ", nodes.Select(n => n.Layer.Name))}.", nameof(featureLayer));
    }
}
