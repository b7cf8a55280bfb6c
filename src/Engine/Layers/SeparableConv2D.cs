namespace Engine.Layers;

/// <summary>Depthwise separable 2-D convolution (Keras's SeparableConv2D, channels-first): a
/// depthwise convolution (kernel [channels · M, 1, kh, kw], no bias) followed by a pointwise 1×1
/// convolution (kernel [filters, channels · M, 1, 1]) with the bias and the activation.</summary>
public sealed class SeparableConv2D : ConvolutionLayer
{
    public SeparableConv2D(int filters, Size2 kernelSize, Size2? strides = null, ConvPadding padding = default, int depthMultiplier = 1,
        Size2? dilationRate = null, string? activation = null, bool useBias = true, Initializer? depthwiseInitializer = null,
        Initializer? pointwiseInitializer = null, Initializer? biasInitializer = null, int[]? inputShape = null, string? name = null)
        : base("SeparableConv2D", filters, kernelSize, strides, padding, depthMultiplier, dilationRate, useBias, biasInitializer, inputShape, name)
    {
        Filters = filters;
        DepthMultiplier = depthMultiplier;
        Activation = Activations.Validate(activation);
        DepthwiseInitializer = depthwiseInitializer ?? new GlorotUniform();
        PointwiseInitializer = pointwiseInitializer ?? new GlorotUniform();
    }

    public int Filters { get; }

    public int DepthMultiplier { get; }

    public Initializer DepthwiseInitializer { get; }

    public Initializer PointwiseInitializer { get; }

    /// <summary>[channels · depthMultiplier, 1, kh, kw].</summary>
    public Variable? DepthwiseKernel { get; private set; }

    /// <summary>[filters, channels · depthMultiplier, 1, 1].</summary>
    public Variable? PointwiseKernel { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var (oh, ow) = OutputSpatial(inputShape);
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

    private protected override void WriteOptions(JsonObject c) => c["depth_multiplier"] = DepthMultiplier;

    private protected override IEnumerable<(string, Initializer)> KernelInitializers =>
        [("depthwise_initializer", DepthwiseInitializer), ("pointwise_initializer", PointwiseInitializer)];

    internal static SeparableConv2D FromConfig(JsonObject c) => new(
        c.Int("filters"), c.Pair("kernel_size"), c.Pair("strides"), c.ReadPadding("padding"), c.Int("depth_multiplier"), c.Pair("dilation_rate"),
        c.StrOrNull("activation"), c.Bool("use_bias"), ConfigJson.ReadInitializer(c["depthwise_initializer"]),
        ConfigJson.ReadInitializer(c["pointwise_initializer"]), ConfigJson.ReadInitializer(c["bias_initializer"]),
        c.IntsOrNull("input_shape"), c.Str("name"));
}
