using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers.Initializers;
using Engine.Serialization;

namespace Engine.Layers;

/// <summary>What Conv2D, DepthwiseConv2D and SeparableConv2D share (Keras's BaseConv): the window
/// geometry (kernel size, strides, padding, dilation) and its checks, the output's spatial size,
/// the activation and the bias.</summary>
public abstract class ConvolutionLayer : Layer
{
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

    /// <summary>Writes kernel_size, strides, padding, data_format and dilation_rate.</summary>
    private protected void WriteGeometry(JsonObject c)
    {
        c["kernel_size"] = ConfigJson.Pair(KernelSize);
        c["strides"] = ConfigJson.Pair(Strides);
        c["padding"] = SpatialConfigJson.Padding(Padding);
        c["data_format"] = "channels_first";
        c["dilation_rate"] = ConfigJson.Pair(DilationRate);
    }

    /// <summary>Writes activation and use_bias.</summary>
    private protected void WriteActivationAndBias(JsonObject c)
    {
        c["activation"] = Activation ?? "linear";
        c["use_bias"] = UseBias;
    }
}
