namespace Engine.Layers;

/// <summary>Keeps the batch axis and flattens the rest. On NCHW input the features come out in
/// (C, H, W) order, where Keras (channels-last) flattens in (H, W, C) order: the same network,
/// with the following Dense kernel's rows permuted.</summary>
public sealed class Flatten(int[]? inputShape = null, string? name = null) : Layer(name, inputShape)
{
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length == 0)
            throw Incompatible("expected min_ndim=2, found ndim=1. Full shape received: (None,).");
        var size = 1L;
        foreach (var d in inputShape) size *= d;
        return [checked((int)size)];
    }

    protected override Tensor Call(Tensor x, CallContext context) => Ops.Flatten(x);

    internal static Flatten FromConfig(JsonObject c) => new(c.IntsOrNull("input_shape"), c.Str("name"));
}
