namespace Engine.Layers;

/// <summary>Mean over height and width: (N, C, H, W) → (N, C) (Keras's GlobalAveragePooling2D,
/// channels-first, keepdims=False).</summary>
public sealed class GlobalAveragePooling2D(int[]? inputShape = null, string? name = null) : Layer(name, inputShape)
{
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        return [inputShape[0]];
    }

    protected override Tensor Call(Tensor x, CallContext context) => Ops.GlobalAvgPool2D(x);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = "channels_first";
        return c;
    }

    internal static GlobalAveragePooling2D FromConfig(JsonObject c) => new(c.IntsOrNull("input_shape"), c.Str("name"));
}
