namespace Engine.Layers;

/// <summary>Shared shape and config of GlobalAveragePooling2D and GlobalMaxPooling2D: (N, C, H, W) →
/// (N, C), channels-first, keepdims=False.</summary>
public abstract class GlobalPooling2D(int[]? inputShape, string? name) : Layer(name, inputShape)
{
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, "(batch, channels, height, width)");
        return [inputShape[0]];
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = "channels_first";
        return c;
    }
}
