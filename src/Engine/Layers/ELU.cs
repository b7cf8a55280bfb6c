namespace Engine.Layers;

/// <summary>Keras's ELU: x for x &gt; 0, alpha·(exp(x) − 1) below.</summary>
public sealed class ELU : Layer
{
    public ELU(double alpha = 1.0, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (double.IsNaN(alpha)) throw new ArgumentException("ELU: alpha must be a number. Received: NaN", nameof(alpha));
        Alpha = alpha;
    }

    public double Alpha { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) => Ops.Elu(x, Alpha);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["alpha"] = Alpha;
        return c;
    }

    internal static ELU FromConfig(JsonObject c) => new(c.Double("alpha"), c.IntsOrNull("input_shape"), c.Str("name"));
}
