namespace Engine.Layers;

/// <summary>Adds rows and columns of zeros around NCHW images (Keras's ZeroPadding2D):
/// <c>new ZeroPadding2D(3)</c>, <c>new ZeroPadding2D((1, 2))</c>, <c>new ZeroPadding2D(((0, 1), (0, 1)))</c>.</summary>
public sealed class ZeroPadding2D : Layer
{
    public ZeroPadding2D(Pad2? padding = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Padding = padding ?? 1;
        Padding.RequireNonNegative("ZeroPadding2D", "padding");
    }

    public Pad2 Padding { get; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        return [inputShape[0], inputShape[1] + Padding.Top + Padding.Bottom, inputShape[2] + Padding.Left + Padding.Right];
    }

    protected override Tensor Call(Tensor x, CallContext context) =>
        Ops.ZeroPad2D(x, Padding.Top, Padding.Bottom, Padding.Left, Padding.Right);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["padding"] = SpatialConfigJson.Sides(Padding);
        c["data_format"] = "channels_first";
        return c;
    }

    internal static ZeroPadding2D FromConfig(JsonObject c) => new(c.ReadSides("padding"), c.IntsOrNull("input_shape"), c.Str("name"));
}
