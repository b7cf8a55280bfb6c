namespace Engine.Layers;

/// <summary>Permutes the axes of each sample (Keras's Permute): <paramref name="dims"/> is 1-based and
/// excludes the batch axis, so <c>new Permute([2, 3, 1])</c> turns (N, C, H, W) into (N, H, W, C).
/// Runs <see cref="Ops.Transpose(Tensor, int[])"/> (a copy).</summary>
public sealed class Permute : Layer
{
    public Permute(int[] dims, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length == 0 || !dims.Order().SequenceEqual(Enumerable.Range(1, dims.Length)))
            throw new ArgumentException($"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims=({string.Join(", ", dims)}).", nameof(dims));
        if (dims.Length + 1 > Ops.MaxTransposeRank)
            throw new ArgumentException($"Permute: at most {Ops.MaxTransposeRank - 1} axes per sample are supported; received dims=({string.Join(", ", dims)}).", nameof(dims));
        Dims = dims.ToArray();
    }

    public int[] Dims { get; }

    public override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != Dims.Length)
            throw Incompatible($"expected ndim={Dims.Length + 1} to permute with dims=({string.Join(", ", Dims)}), found ndim={inputShape.Length + 1}. Full shape received: {WithBatch(inputShape)}.");
        return Dims.Select(d => inputShape[d - 1]).ToArray();
    }

    protected override Tensor Call(Tensor x, CallContext context) => Ops.Transpose(x, [0, .. Dims]);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["dims"] = ConfigJson.Ints(Dims);
        return c;
    }

    internal static Permute FromConfig(JsonObject c) => new(c.Ints("dims"), c.IntsOrNull("input_shape"), c.Str("name"));
}
