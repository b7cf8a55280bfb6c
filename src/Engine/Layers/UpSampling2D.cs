namespace Engine.Layers;

/// <summary>Repeats rows and columns of NCHW images (Keras's UpSampling2D with interpolation
/// "nearest"): (N, C, H, W) → (N, C, H·size_h, W·size_w).</summary>
public sealed class UpSampling2D : Layer
{
    public UpSampling2D(Size2? size = null, string interpolation = "nearest", int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        Size = size ?? 2;
        Size.RequirePositive("UpSampling2D", "size");
        ArgumentNullException.ThrowIfNull(interpolation);
        if (interpolation.Trim().ToLowerInvariant() != "nearest")
            throw new ArgumentException($"UpSampling2D: interpolation '{interpolation}' is not supported; Engine implements 'nearest' only.", nameof(interpolation));
        Interpolation = "nearest";
    }

    public Size2 Size { get; }

    public string Interpolation { get; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        return [inputShape[0], checked(inputShape[1] * Size.Height), checked(inputShape[2] * Size.Width)];
    }

    protected override Tensor Call(Tensor x, CallContext context) => Ops.UpSampling2D(x, Size.Height, Size.Width);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["size"] = ConfigJson.Pair(Size);
        c["data_format"] = "channels_first";
        c["interpolation"] = Interpolation;
        return c;
    }

    internal static UpSampling2D FromConfig(JsonObject c) => new(c.Pair("size"), c.Str("interpolation"), c.IntsOrNull("input_shape"), c.Str("name"));
}
