namespace Engine.Layers;

/// <summary>Fully connected layer: y = activation(x · kernel + bias) with kernel [in, units] (Keras's
/// layout). Like Keras it takes inputs of any rank and applies to the last axis: (batch, …, features)
/// → (batch, …, units). On channels-first images the last axis is the width, not the channels (as it
/// would be in Keras's channels-last layout): put a Flatten or a global pooling before it there.</summary>
public sealed class Dense : Layer
{
    public Dense(int units, string? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (units <= 0) throw new ArgumentException($"Dense: units must be positive; received {units}.", nameof(units));
        Units = units;
        Activation = Activations.Validate(activation);
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Constant(0);
    }

    public int Units { get; }

    public string? Activation { get; }

    public bool UseBias { get; }

    public Initializer KernelInitializer { get; }

    public Initializer BiasInitializer { get; }

    /// <summary>[in, units].</summary>
    public Variable? Kernel { get; private set; }

    public Variable? Bias { get; private set; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length < 1)
            throw Incompatible($"expected min_ndim=2, found ndim={inputShape.Length + 1}. Full shape received: {WithBatch(inputShape)}.");
        return [.. inputShape[..^1], Units];
    }

    protected override void BuildCore(int[] inputShape)
    {
        var features = inputShape[^1];
        Kernel = AddWeight("kernel", [features, Units], KernelInitializer, fanIn: features, fanOut: Units);
        if (UseBias) Bias = AddWeight("bias", [Units], BiasInitializer, fanIn: features, fanOut: Units);
    }

    protected override Tensor Call(Tensor x, CallContext context)
    {
        if (x.Rank == 2) return Activations.Apply(Activation, Ops.Linear(x, Kernel!.Value, Bias?.Value));
        // Any rank: the leading axes become rows of one matrix product, then come back.
        var dims = x.Shape.ToArray();
        var rows = Ops.Reshape(x, -1, dims[^1]);
        var y = Ops.Reshape(Ops.Linear(rows, Kernel!.Value, Bias?.Value), [.. dims[..^1], Units]);
        return Activations.Apply(Activation, y);
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["units"] = Units;
        c["activation"] = Activation ?? "linear";
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = ConfigJson.Initializer(KernelInitializer);
        c["bias_initializer"] = ConfigJson.Initializer(BiasInitializer);
        return c;
    }

    internal static Dense FromConfig(JsonObject c) => new(
        c.Int("units"), c.StrOrNull("activation"), c.Bool("use_bias"), ConfigJson.ReadInitializer(c["kernel_initializer"]),
        ConfigJson.ReadInitializer(c["bias_initializer"]), c.IntsOrNull("input_shape"), c.Str("name"));
}
