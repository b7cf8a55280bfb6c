namespace Engine.Layers;

/// <summary>y = x · scale + offset, e.g. <c>new Rescaling(1.0 / 255)</c> to bring pixels into [0, 1].</summary>
public sealed class Rescaling(double scale, double offset = 0, int[]? inputShape = null, string? name = null) : Layer(name, inputShape)
{
    public double Scale { get; } = scale;

    public double Offset { get; } = offset;

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context) => Ops.Affine(x, Scale, Offset);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["scale"] = Scale;
        c["offset"] = Offset;
        return c;
    }

    internal static Rescaling FromConfig(JsonObject c) => new(c.Double("scale"), c.Double("offset"), c.IntsOrNull("input_shape"), c.Str("name"));
}
