namespace Engine.Layers;

/// <summary>Mean over each pool window (Keras's AveragePooling2D, channels-first; with 'same' padding
/// only the elements inside the image are averaged).</summary>
public sealed class AveragePooling2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", int[]? inputShape = null, string? name = null)
    : Pooling2D(poolSize ?? 2, strides, padding, inputShape, name)
{
    protected override Tensor Call(Tensor x, CallContext context) =>
        Ops.AvgPool2D(x, PoolSize.Height, PoolSize.Width, Strides.Height, Strides.Width, Padding);

    internal static AveragePooling2D FromConfig(JsonObject c) =>
        new(c.Pair("pool_size"), c.Pair("strides"), c.Str("padding"), c.IntsOrNull("input_shape"), c.Str("name"));
}
