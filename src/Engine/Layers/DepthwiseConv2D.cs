namespace Engine.Layers;

/// <summary>Depthwise 2-D convolution over NCHW images (Keras's DepthwiseConv2D, channels-first):
/// each input channel is convolved with its own depthMultiplier filters, giving channels ·
/// depthMultiplier outputs (output channel ci·M + q comes from input channel ci). The kernel is stored
/// [channels · M, 1, kh, kw] (PyTorch's layout; Keras stores [kh, kw, channels, M]); Glorot fans are
/// Keras's.</summary>
public sealed class DepthwiseConv2D : ConvolutionLayer
{
    public DepthwiseConv2D(Size2 kernelSize, Size2? strides = null, ConvPadding padding = default, int depthMultiplier = 1,
        Size2? dilationRate = null, string? activation = null, bool useBias = true, Initializer? depthwiseInitializer = null,
        Initializer? biasInitializer = null, int[]? inputShape = null, string? name = null)
        : base("DepthwiseConv2D", null, kernelSize, strides, padding, depthMultiplier, dilationRate, useBias, biasInitializer, inputShape, name)
    {
        DepthMultiplier = depthMultiplier;
        Activation = Activations.Validate(activation);
        DepthwiseInitializer = depthwiseInitializer ?? new GlorotUniform();
    }

    public int DepthMultiplier { get; }

    public Initializer DepthwiseInitializer { get; }

    /// <summary>[channels · depthMultiplier, 1, kh, kw].</summary>
    public Variable? DepthwiseKernel { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var (oh, ow) = OutputSpatial(inputShape);
        return [inputShape[0] * DepthMultiplier, oh, ow];
    }

    protected override void BuildCore(int[] inputShape)
    {
        var (channels, receptive) = (inputShape[0], KernelSize.Height * KernelSize.Width);
        // Keras's fans for its (kh, kw, channels, M) kernel.
        DepthwiseKernel = AddWeight("depthwise_kernel", [channels * DepthMultiplier, 1, KernelSize.Height, KernelSize.Width], DepthwiseInitializer,
            fanIn: channels * receptive, fanOut: DepthMultiplier * receptive);
        if (UseBias) Bias = AddWeight("bias", [channels * DepthMultiplier], BiasInitializer);
    }

    protected override Tensor Call(Tensor x, CallContext context)
    {
        var y = Ops.DepthwiseConv2D(x, DepthwiseKernel!.Value, Bias?.Value, Strides.Height, Strides.Width, Padding, DilationRate.Height, DilationRate.Width);
        return Activations.Apply(Activation, y);
    }

    private protected override void WriteOptions(JsonObject c) => c["depth_multiplier"] = DepthMultiplier;

    private protected override IEnumerable<(string, Initializer)> KernelInitializers => [("depthwise_initializer", DepthwiseInitializer)];

    internal static DepthwiseConv2D FromConfig(JsonObject c) => new(
        c.Pair("kernel_size"), c.Pair("strides"), c.ReadPadding("padding"), c.Int("depth_multiplier"), c.Pair("dilation_rate"),
        c.StrOrNull("activation"), c.Bool("use_bias"), ConfigJson.ReadInitializer(c["depthwise_initializer"]),
        ConfigJson.ReadInitializer(c["bias_initializer"]), c.IntsOrNull("input_shape"), c.Str("name"));
}
