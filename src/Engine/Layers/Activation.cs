namespace Engine.Layers;

/// <summary>Applies an activation function by name: <c>new Activation("softmax")</c>.</summary>
public sealed class Activation : Layer
{
    public Activation(string activation, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Function = Activations.Validate(activation);
    }

    /// <summary>The activation's name (null for linear).</summary>
    public string? Function { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) => Activations.Apply(Function, x);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["activation"] = Function ?? "linear";
        return c;
    }

    internal static Activation FromConfig(JsonObject c) => new(c.Str("activation"), c.IntsOrNull("input_shape"), c.Str("name"));
}
