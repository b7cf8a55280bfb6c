namespace Engine.Layers;

/// <summary>2-D convolution over NCHW images (Keras's Conv2D with data_format="channels_first").
/// The kernel is stored [filters, channels, kh, kw] (PyTorch's layout; Keras stores
/// [kh, kw, channels, filters]); Glorot fans are the same as Keras's. Beyond Keras: explicit padding
/// (<c>padding: 1</c>, <c>(1, 2)</c> or <c>((0, 1), (0, 1))</c>, PyTorch's padding=) next to "valid"/"same";
/// with <paramref name="groups"/> &gt; 1 the kernel is [filters, channels / groups, kh, kw].</summary>
public sealed class Conv2D : ConvolutionLayer
{
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, ConvPadding padding = default, string? activation = null,
        bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        int[]? inputShape = null, string? name = null, Size2? dilationRate = null, int groups = 1)
        : base("Conv2D", filters, kernelSize, strides, padding, null, dilationRate, useBias, biasInitializer, inputShape, name)
    {
        Filters = filters;
        if (groups <= 0 || filters % groups != 0)
            throw new ArgumentException($"Conv2D: the number of filters must be evenly divisible by the number of groups. Received: groups={groups}, filters={filters}.", nameof(groups));
        Groups = groups;
        Activation = Activations.Validate(activation);
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
    }

    public int Filters { get; }

    public int Groups { get; }

    public Initializer KernelInitializer { get; }

    /// <summary>[filters, channels, kh, kw].</summary>
    public Variable? Kernel { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        if (inputShape[0] % Groups != 0)
            throw Incompatible($"the number of input channels must be evenly divisible by the number of groups. Received groups={Groups}, but the input has {inputShape[0]} channels (full input shape is {WithBatch(inputShape)}).");
        var (oh, ow) = OutputSpatial(inputShape);
        return [Filters, oh, ow];
    }

    protected override void BuildCore(int[] inputShape)
    {
        var receptive = KernelSize.Height * KernelSize.Width;
        var channels = inputShape[0] / Groups;
        Kernel = AddWeight("kernel", [Filters, channels, KernelSize.Height, KernelSize.Width], KernelInitializer,
            fanIn: channels * receptive, fanOut: Filters * receptive);
        if (UseBias) Bias = AddWeight("bias", [Filters], BiasInitializer, fanIn: channels * receptive, fanOut: Filters * receptive);
    }

    protected override Tensor Call(Tensor x, CallContext context)
    {
        // ReLU is fused into the convolution (one op, no separate pass); other activations follow it.
        var relu = Activations.IsBuiltinRelu(Activation);
        var y = Ops.Conv2D(x, Kernel!.Value, Bias?.Value, Strides.Height, Strides.Width, Padding,
            DilationRate.Height, DilationRate.Width, Groups, relu);
        if (relu) return y;
        return Activations.Apply(Activation, y);
    }

    private protected override void WriteOptions(JsonObject c) => c["groups"] = Groups;

    private protected override IEnumerable<(string, Initializer)> KernelInitializers => [("kernel_initializer", KernelInitializer)];

    internal static Conv2D FromConfig(JsonObject c) => new(
        c.Int("filters"), c.Pair("kernel_size"), c.Pair("strides"), c.ReadPadding("padding"), c.StrOrNull("activation"),
        c.Bool("use_bias"), ConfigJson.ReadInitializer(c["kernel_initializer"]), ConfigJson.ReadInitializer(c["bias_initializer"]),
        c.IntsOrNull("input_shape"), c.Str("name"), c.PairOr("dilation_rate", 1), c["groups"] is null ? 1 : c.Int("groups"));
}
