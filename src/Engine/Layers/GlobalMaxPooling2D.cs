namespace Engine.Layers;

/// <summary>Max over height and width: (N, C, H, W) → (N, C) (Keras's GlobalMaxPooling2D,
/// channels-first, keepdims=False).</summary>
public sealed class GlobalMaxPooling2D(int[]? inputShape = null, string? name = null) : Layer(name, inputShape)
{
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        return [inputShape[0]];
    }

    protected override Tensor Call(Tensor x, CallContext context) => Ops.GlobalMaxPool2D(x);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = "channels_first";
        return c;
    }

    internal static GlobalMaxPooling2D FromConfig(JsonObject c) => new(c.IntsOrNull("input_shape"), c.Str("name"));
}
