using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers.Initializers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Layers;

/// <summary>2-D convolution over NCHW images (Keras's Conv2D with data_format="channels_first").
/// The kernel is stored [filters, channels, kh, kw] (PyTorch's layout; Keras stores
/// [kh, kw, channels, filters]); Glorot fans are the same as Keras's.</summary>
public sealed class Conv2D : Layer
{
    public Conv2D(int filters, Size2 kernelSize, Size2? strides = null, string padding = "valid", string? activation = null,
        bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentException($"Conv2D: filters must be positive; received {filters}.", nameof(filters));
        kernelSize.RequirePositive("Conv2D", "kernelSize");
        Strides = strides ?? 1;
        Strides.RequirePositive("Conv2D", "strides");
        Filters = filters;
        KernelSize = kernelSize;
        Padding = PaddingNames.Parse(padding, "Conv2D");
        Activation = Activations.Validate(activation);
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Constant(0);
    }

    public int Filters { get; }

    public Size2 KernelSize { get; }

    public Size2 Strides { get; }

    public Padding Padding { get; }

    /// <summary>Activation name, or null for linear.</summary>
    public string? Activation { get; }

    public bool UseBias { get; }

    public Initializer KernelInitializer { get; }

    public Initializer BiasInitializer { get; }

    /// <summary>[filters, channels, kh, kw].</summary>
    public Variable? Kernel { get; private set; }

    public Variable? Bias { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        var (h, w) = (inputShape[1], inputShape[2]);
        var oh = PaddingNames.OutputLength(h, KernelSize.Height, Strides.Height, Padding);
        var ow = PaddingNames.OutputLength(w, KernelSize.Width, Strides.Width, Padding);
        if (oh <= 0 || ow <= 0)
            throw Incompatible($"the kernel {KernelSize} is larger than the input's spatial size ({h}, {w}) with padding 'valid'. Full shape received: {WithBatch(inputShape)}.");
        return [Filters, oh, ow];
    }

    protected override void BuildCore(int[] inputShape)
    {
        var receptive = KernelSize.Height * KernelSize.Width;
        var channels = inputShape[0];
        Kernel = AddWeight("kernel", [Filters, channels, KernelSize.Height, KernelSize.Width], KernelInitializer,
            fanIn: channels * receptive, fanOut: Filters * receptive);
        if (UseBias) Bias = AddWeight("bias", [Filters], BiasInitializer, fanIn: channels * receptive, fanOut: Filters * receptive);
    }

    protected override Tensor Call(Tensor x, CallContext context)
    {
        // ReLU is fused into the convolution (one op, no separate pass); other activations follow it.
        if (Activations.IsBuiltinRelu(Activation))
            return Ops.Conv2D(x, Kernel!.Value, Bias?.Value, Strides.Height, Strides.Width, Padding, relu: true);
        var y = Ops.Conv2D(x, Kernel!.Value, Bias?.Value, Strides.Height, Strides.Width, Padding);
        return Activations.Apply(Activation, y);
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["filters"] = Filters;
        c["kernel_size"] = ConfigJson.Pair(KernelSize);
        c["strides"] = ConfigJson.Pair(Strides);
        c["padding"] = PaddingNames.Name(Padding);
        c["data_format"] = "channels_first";
        c["activation"] = Activation ?? "linear";
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = ConfigJson.Initializer(KernelInitializer);
        c["bias_initializer"] = ConfigJson.Initializer(BiasInitializer);
        return c;
    }

    internal static Conv2D FromConfig(JsonObject c) => new(
        c.Int("filters"), c.Pair("kernel_size"), c.Pair("strides"), c.Str("padding"), c.StrOrNull("activation"),
        c.Bool("use_bias"), ConfigJson.ReadInitializer(c["kernel_initializer"]), ConfigJson.ReadInitializer(c["bias_initializer"]),
        c.IntsOrNull("input_shape"), c.Str("name"));
}
