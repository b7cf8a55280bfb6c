using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers.Initializers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Layers;

/// <summary>Fully connected layer: y = activation(x · kernel + bias) with kernel [in, units] (Keras's
/// layout). Takes (batch, features) inputs; put a Flatten before it for images (Keras would
/// apply it to the last axis of any rank).</summary>
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
        if (inputShape.Length != 1)
            throw Incompatible($"expected ndim=2 (batch, features), found ndim={inputShape.Length + 1}. Full shape received: {WithBatch(inputShape)}. Add a Flatten layer before Dense.");
        return [Units];
    }

    protected override void BuildCore(int[] inputShape)
    {
        Kernel = AddWeight("kernel", [inputShape[0], Units], KernelInitializer, fanIn: inputShape[0], fanOut: Units);
        if (UseBias) Bias = AddWeight("bias", [Units], BiasInitializer, fanIn: inputShape[0], fanOut: Units);
    }

    protected override Tensor Call(Tensor x, CallContext context) =>
        Activations.Apply(Activation, Ops.Linear(x, Kernel!.Value, Bias?.Value));

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
