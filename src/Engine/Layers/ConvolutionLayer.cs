namespace Engine.Layers;

/// <summary>What Conv2D, DepthwiseConv2D and SeparableConv2D share (Keras's BaseConv): the window
/// geometry (kernel size, strides, padding, dilation) and its checks, the output's spatial size,
/// the activation and the bias.</summary>
public abstract class ConvolutionLayer : Layer
{
    private readonly int? _filters;

    /// <param name="layer">The layer's class name, for error messages.</param>
    /// <param name="filters">Output channels, checked when the layer has them.</param>
    /// <param name="depthMultiplier">Filters per input channel of a depthwise step, checked when the layer has one.</param>
    private protected ConvolutionLayer(string layer, int? filters, Size2 kernelSize, Size2? strides, ConvPadding padding, int? depthMultiplier,
        Size2? dilationRate, bool useBias, Initializer? biasInitializer, int[]? inputShape, string? name) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentException($"{layer}: filters must be positive; received {filters}.", nameof(filters));
        kernelSize.RequirePositive(layer, "kernelSize");
        (Strides, DilationRate) = Size2.ConvStridesAndDilation(layer, strides, dilationRate);
        if (depthMultiplier <= 0)
            throw new ArgumentException($"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={depthMultiplier}.", nameof(depthMultiplier));
        _filters = filters;
        KernelSize = kernelSize;
        Padding = padding.Validate(layer);
        UseBias = useBias;
        BiasInitializer = biasInitializer ?? new Constant(0);
    }

    public Size2 KernelSize { get; }

    public Size2 Strides { get; }

    public ConvPadding Padding { get; }

    public Size2 DilationRate { get; }

    /// <summary>Activation name, or null for linear (set by each layer after its own checks).</summary>
    public string? Activation { get; private protected init; }

    public bool UseBias { get; }

    public Initializer BiasInitializer { get; }

    public Variable? Bias { get; private protected set; }

    /// <summary>(height, width) of the output for a (channels, height, width) input; a kernel that
    /// does not fit is an error that quotes the input.</summary>
    private protected (int Height, int Width) OutputSpatial(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        var (oh, ow) = ConvShapes.Spatial(inputShape[1], inputShape[2], KernelSize, Strides, DilationRate, Padding);
        if (oh <= 0 || ow <= 0) throw Incompatible(ConvShapes.TooLarge(KernelSize, DilationRate, Padding, inputShape));
        return (oh, ow);
    }

    /// <summary>Keras's order: filters, the geometry, the layer's own options, activation and bias,
    /// the kernels' initializers, the bias initializer.</summary>
    public sealed override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        if (_filters is { } filters) c["filters"] = filters;
        c["kernel_size"] = ConfigJson.Pair(KernelSize);
        c["strides"] = ConfigJson.Pair(Strides);
        c["padding"] = SpatialConfigJson.Padding(Padding);
        c["data_format"] = "channels_first";
        c["dilation_rate"] = ConfigJson.Pair(DilationRate);
        WriteOptions(c);
        c["activation"] = Activation ?? "linear";
        c["use_bias"] = UseBias;
        foreach (var (key, initializer) in KernelInitializers) c[key] = ConfigJson.Initializer(initializer);
        c["bias_initializer"] = ConfigJson.Initializer(BiasInitializer);
        return c;
    }

    /// <summary>The layer's own settings (groups, depth_multiplier).</summary>
    private protected abstract void WriteOptions(JsonObject c);

    /// <summary>The config key and initializer of each kernel, in Keras's order.</summary>
    private protected abstract IEnumerable<(string Key, Initializer Initializer)> KernelInitializers { get; }
}
