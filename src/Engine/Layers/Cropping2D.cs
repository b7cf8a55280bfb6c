namespace Engine.Layers;

/// <summary>Removes rows and columns from the borders of NCHW images (Keras's Cropping2D); the
/// amounts take the same three forms as <see cref="ZeroPadding2D"/>.</summary>
public sealed class Cropping2D : Layer
{
    public Cropping2D(Pad2? cropping = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Cropping = cropping ?? 0;
        Cropping.RequireNonNegative("Cropping2D", "cropping");
    }

    public Pad2 Cropping { get; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        var (h, w) = (inputShape[1] - Cropping.Top - Cropping.Bottom, inputShape[2] - Cropping.Left - Cropping.Right);
        if (h <= 0 || w <= 0)
            throw Incompatible($"cropping {Cropping} leaves nothing of the input's spatial size ({inputShape[1]}, {inputShape[2]}). Full shape received: {WithBatch(inputShape)}.");
        return [inputShape[0], h, w];
    }

    protected override Tensor Call(Tensor x, CallContext context) =>
        Ops.Crop2D(x, Cropping.Top, Cropping.Bottom, Cropping.Left, Cropping.Right);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["cropping"] = SpatialConfigJson.Sides(Cropping);
        c["data_format"] = "channels_first";
        return c;
    }

    internal static Cropping2D FromConfig(JsonObject c) => new(c.ReadSides("cropping"), c.IntsOrNull("input_shape"), c.Str("name"));
}
