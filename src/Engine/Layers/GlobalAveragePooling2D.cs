namespace Engine.Layers;

/// <summary>Mean over height and width: (N, C, H, W) → (N, C) (Keras's GlobalAveragePooling2D,
/// channels-first, keepdims=False).</summary>
public sealed class GlobalAveragePooling2D(int[]? inputShape = null, string? name = null) : GlobalPooling2D(inputShape, name)
{
    protected override Tensor Call(Tensor x, CallContext context) => Ops.GlobalAvgPool2D(x);

    internal static GlobalAveragePooling2D FromConfig(JsonObject c) => new(c.IntsOrNull("input_shape"), c.Str("name"));
}
