using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers.Initializers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Layers;

/// <summary>Depthwise separable 2-D convolution (Keras's SeparableConv2D, channels-first): a
/// depthwise convolution (kernel [channels · M, 1, kh, kw], no bias) followed by a pointwise 1×1
/// convolution (kernel [filters, channels · M, 1, 1]) with the bias and the activation.</summary>
public sealed class SeparableConv2D : Layer
{
    public SeparableConv2D(int filters, Size2 kernelSize, Size2? strides = null, ConvPadding padding = default, int depthMultiplier = 1,
        Size2? dilationRate = null, string? activation = null, bool useBias = true, Initializer? depthwiseInitializer = null,
        Initializer? pointwiseInitializer = null, Initializer? biasInitializer = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentException($"SeparableConv2D: filters must be positive; received {filters}.", nameof(filters));
        kernelSize.RequirePositive("SeparableConv2D", "kernelSize");
        (Strides, DilationRate) = Size2.ConvStridesAndDilation("SeparableConv2D", strides, dilationRate);
        if (depthMultiplier <= 0)
            throw new ArgumentException($"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={depthMultiplier}.", nameof(depthMultiplier));
        Filters = filters;
        KernelSize = kernelSize;
        Padding = padding.Validate("SeparableConv2D");
        DepthMultiplier = depthMultiplier;
        Activation = Activations.Validate(activation);
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? new GlorotUniform();
        PointwiseInitializer = pointwiseInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Constant(0);
    }

    public int Filters { get; }

    public Size2 KernelSize { get; }

    public Size2 Strides { get; }

    public ConvPadding Padding { get; }

    public int DepthMultiplier { get; }

    public Size2 DilationRate { get; }

    public string? Activation { get; }

    public bool UseBias { get; }

    public Initializer DepthwiseInitializer { get; }

    public Initializer PointwiseInitializer { get; }

    public Initializer BiasInitializer { get; }

    /// <summary>[channels · depthMultiplier, 1, kh, kw].</summary>
    public Variable? DepthwiseKernel { get; private set; }

    /// <summary>[filters, channels · depthMultiplier, 1, 1].</summary>
    public Variable? PointwiseKernel { get; private set; }

    public Variable? Bias { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        var (oh, ow) = ConvShapes.Spatial(inputShape[1], inputShape[2], KernelSize, Strides, DilationRate, Padding);
        if (oh <= 0 || ow <= 0) throw Incompatible(ConvShapes.TooLarge(KernelSize, DilationRate, Padding, inputShape));
        return [Filters, oh, ow];
    }

    protected override void BuildCore(int[] inputShape)
    {
        var (channels, receptive) = (inputShape[0], KernelSize.Height * KernelSize.Width);
        var mid = channels * DepthMultiplier;
        DepthwiseKernel = AddWeight("depthwise_kernel", [mid, 1, KernelSize.Height, KernelSize.Width], DepthwiseInitializer,
            fanIn: channels * receptive, fanOut: DepthMultiplier * receptive);
        PointwiseKernel = AddWeight("pointwise_kernel", [Filters, mid, 1, 1], PointwiseInitializer, fanIn: mid, fanOut: Filters);
        if (UseBias) Bias = AddWeight("bias", [Filters], BiasInitializer);
    }

    protected override Tensor Call(Tensor x, CallContext context)
    {
        var depthwise = Ops.DepthwiseConv2D(x, DepthwiseKernel!.Value, null, Strides.Height, Strides.Width, Padding, DilationRate.Height, DilationRate.Width);
        var relu = Activations.IsBuiltinRelu(Activation);
        var y = Ops.Conv2D(depthwise, PointwiseKernel!.Value, Bias?.Value, 1, 1, ConvPadding.Valid, relu: relu);
        return relu ? y : Activations.Apply(Activation, y);
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["filters"] = Filters;
        c["kernel_size"] = ConfigJson.Pair(KernelSize);
        c["strides"] = ConfigJson.Pair(Strides);
        c["padding"] = SpatialConfigJson.Padding(Padding);
        c["data_format"] = "channels_first";
        c["dilation_rate"] = ConfigJson.Pair(DilationRate);
        c["depth_multiplier"] = DepthMultiplier;
        c["activation"] = Activation ?? "linear";
        c["use_bias"] = UseBias;
        c["depthwise_initializer"] = ConfigJson.Initializer(DepthwiseInitializer);
        c["pointwise_initializer"] = ConfigJson.Initializer(PointwiseInitializer);
        c["bias_initializer"] = ConfigJson.Initializer(BiasInitializer);
        return c;
    }

    internal static SeparableConv2D FromConfig(JsonObject c) => new(
        c.Int("filters"), c.Pair("kernel_size"), c.Pair("strides"), c.ReadPadding("padding"), c.Int("depth_multiplier"), c.Pair("dilation_rate"),
        c.StrOrNull("activation"), c.Bool("use_bias"), ConfigJson.ReadInitializer(c["depthwise_initializer"]),
        ConfigJson.ReadInitializer(c["pointwise_initializer"]), ConfigJson.ReadInitializer(c["bias_initializer"]),
        c.IntsOrNull("input_shape"), c.Str("name"));
}
