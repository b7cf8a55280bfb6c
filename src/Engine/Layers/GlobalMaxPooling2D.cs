namespace Engine.Layers;

/// <summary>Max over height and width: (N, C, H, W) → (N, C) (Keras's GlobalMaxPooling2D,
/// channels-first, keepdims=False).</summary>
public sealed class GlobalMaxPooling2D(int[]? inputShape = null, string? name = null) : GlobalPooling2D(inputShape, name)
{
    protected override Tensor Call(Tensor x, CallContext context) => Ops.GlobalMaxPool2D(x);

    internal static GlobalMaxPooling2D FromConfig(JsonObject c) => new(c.IntsOrNull("input_shape"), c.Str("name"));
}
