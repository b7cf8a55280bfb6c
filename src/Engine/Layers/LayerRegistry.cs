namespace Engine.Layers;

/// <summary>Rebuilds layers from their saved configs by class name (Keras's deserialize). Register
/// custom layers before loading a model that uses them.</summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, Layer>> Factories = new()
    {
        ["InputLayer"] = Input.FromConfig,
        ["Conv2D"] = Conv2D.FromConfig,
        ["MaxPooling2D"] = MaxPooling2D.FromConfig,
        ["AveragePooling2D"] = AveragePooling2D.FromConfig,
        ["GlobalAveragePooling2D"] = GlobalAveragePooling2D.FromConfig,
        ["Flatten"] = Flatten.FromConfig,
        ["Dense"] = Dense.FromConfig,
        ["Dropout"] = Dropout.FromConfig,
        ["BatchNormalization"] = BatchNormalization.FromConfig,
        ["Activation"] = Activation.FromConfig,
        ["Rescaling"] = Rescaling.FromConfig,
        ["Add"] = Add.FromConfig,
        ["Subtract"] = Subtract.FromConfig,
        ["Multiply"] = Multiply.FromConfig,
        ["Average"] = Average.FromConfig,
        ["Maximum"] = Maximum.FromConfig,
        ["Minimum"] = Minimum.FromConfig,
        ["Concatenate"] = Concatenate.FromConfig,
        ["Functional"] = c => Models.NestedModel.FromConfig("Functional", c),
        ["Sequential"] = c => Models.NestedModel.FromConfig("Sequential", c),
        ["ZeroPadding2D"] = ZeroPadding2D.FromConfig,
        ["Cropping2D"] = Cropping2D.FromConfig,
        ["ReLU"] = ReLU.FromConfig,
        ["LeakyReLU"] = LeakyReLU.FromConfig,
        ["ELU"] = ELU.FromConfig,
        ["DepthwiseConv2D"] = DepthwiseConv2D.FromConfig,
        ["SeparableConv2D"] = SeparableConv2D.FromConfig,
        ["GlobalMaxPooling2D"] = GlobalMaxPooling2D.FromConfig,
        ["UpSampling2D"] = UpSampling2D.FromConfig,
        ["Reshape"] = Reshape.FromConfig,
        ["Permute"] = Permute.FromConfig,
    };

    public static void Register(string className, Func<JsonObject, Layer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[className] = factory;
    }

    public static Layer FromConfig(string className, JsonObject config)
    {
        Func<JsonObject, Layer>? factory;
        lock (Factories) Factories.TryGetValue(className, out factory);
        if (factory is null)
            throw new ArgumentException($"Unknown layer class '{className}' in the model config. Known layers: {string.Join(", ", Factories.Keys.Order())}; register custom layers with LayerRegistry.Register.");
        var layer = factory(config);
        if (config["trainable"] is JsonValue t && !t.GetValue<bool>()) layer.Trainable = false;
        return layer;
    }
}
