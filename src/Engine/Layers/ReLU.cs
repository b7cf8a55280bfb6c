namespace Engine.Layers;

/// <summary>Keras's ReLU layer: y = x ≥ maxValue ? maxValue : x ≥ threshold ? x : negativeSlope·(x − threshold).
/// <c>new ReLU(6)</c> is ReLU6 (MobileNetV2).</summary>
public sealed class ReLU : Layer
{
    public ReLU(double? maxValue = null, double negativeSlope = 0, double threshold = 0, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (maxValue is < 0 || (maxValue is { } m && double.IsNaN(m)))
            throw new ArgumentException($"max_value of a ReLU layer cannot be a negative value. Received: {maxValue}", nameof(maxValue));
        if (negativeSlope < 0 || double.IsNaN(negativeSlope))
            throw new ArgumentException($"negative_slope of a ReLU layer cannot be a negative value. Received: {negativeSlope}", nameof(negativeSlope));
        if (double.IsNaN(threshold))
            throw new ArgumentException("threshold of a ReLU layer cannot be NaN. Received: NaN", nameof(threshold));
        (MaxValue, NegativeSlope, Threshold) = (maxValue, negativeSlope, threshold);
    }

    public double? MaxValue { get; }

    public double NegativeSlope { get; }

    public double Threshold { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) =>
        MaxValue is null && NegativeSlope == 0 && Threshold == 0 ? Ops.Relu(x) : Ops.Relu(x, MaxValue, NegativeSlope, Threshold);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["max_value"] = MaxValue;
        c["negative_slope"] = NegativeSlope;
        c["threshold"] = Threshold;
        return c;
    }

    internal static ReLU FromConfig(JsonObject c) =>
        new(c.DoubleOrNull("max_value"), c.Double("negative_slope"), c.Double("threshold"), c.IntsOrNull("input_shape"), c.Str("name"));
}
