namespace Engine.Layers;

/// <summary>Gives each sample a new shape with the same number of elements (Keras's Reshape);
/// <paramref name="targetShape"/> excludes the batch axis and may hold one -1, inferred from the rest.</summary>
public sealed class Reshape : Layer
{
    public Reshape(int[] targetShape, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Count(d => d == -1) > 1)
            throw new ArgumentException($"There must be at most one unknown dimension (-1) in target_shape. Received: target_shape={Shape.Format(targetShape)}.", nameof(targetShape));
        if (targetShape.Any(d => d == 0 || d < -1))
            throw new ArgumentException($"Reshape: every dimension of target_shape must be positive or -1. Received: target_shape={Shape.Format(targetShape)}.", nameof(targetShape));
        TargetShape = targetShape.ToArray();
    }

    public int[] TargetShape { get; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var size = inputShape.Aggregate(1L, (a, d) => a * d);
        var known = TargetShape.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
        var unknown = Array.IndexOf(TargetShape, -1);
        if (unknown < 0 ? known != size : size % known != 0)
            throw Incompatible($"the total size of the tensor must be unchanged. Received: input_shape={WithBatch(inputShape)}, target_shape={Shape.Format(TargetShape)}.");
        var output = TargetShape.ToArray();
        if (unknown >= 0) output[unknown] = checked((int)(size / known));
        return output;
    }

    protected override Tensor Call(Tensor x, CallContext context) =>
        Ops.Reshape(x, [x.Shape[0], .. ComputeOutputShape(x.Shape.ToArray()[1..])]);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["target_shape"] = ConfigJson.Ints(TargetShape);
        return c;
    }

    internal static Reshape FromConfig(JsonObject c) => new(c.Ints("target_shape"), c.IntsOrNull("input_shape"), c.Str("name"));
}
