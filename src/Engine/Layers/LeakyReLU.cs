namespace Engine.Layers;

/// <summary>Keras's LeakyReLU: x for x ≥ 0, negativeSlope·x below (default 0.3, as Keras 3).</summary>
public sealed class LeakyReLU : Layer
{
    public LeakyReLU(double negativeSlope = 0.3, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (negativeSlope < 0 || double.IsNaN(negativeSlope))
            throw new ArgumentException($"The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope={negativeSlope}", nameof(negativeSlope));
        NegativeSlope = negativeSlope;
    }

    public double NegativeSlope { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) => Ops.LeakyRelu(x, NegativeSlope);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["negative_slope"] = NegativeSlope;
        return c;
    }

    internal static LeakyReLU FromConfig(JsonObject c) => new(c.Double("negative_slope"), c.IntsOrNull("input_shape"), c.Str("name"));
}
