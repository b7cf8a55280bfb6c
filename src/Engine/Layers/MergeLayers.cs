namespace Engine.Layers;

// Keras's elementwise merge layers: the inputs broadcast to one shape (NumPy's rule on the
// per-sample shapes) and are combined pairwise, left to right.

/// <summary>Sum of the inputs (a residual connection: <c>new Add().Apply(x, shortcut)</c>).</summary>
public sealed class Add(string? name = null) : MergeLayer(name)
{
    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes) => ElementwiseShape(inputShapes);

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Add);

    /// <summary>With the ReLU after it fused (a model's residual join): relu(a + b) as one op.</summary>
    private protected override Tensor MergeFor(IReadOnlyList<Tensor> inputs, CallContext context) =>
        context.FusedRelu && inputs.Count == 2 ? Ops.AddRelu(inputs[0], inputs[1])
        : context.FusedRelu ? Ops.Relu(Merge(inputs))
        : Merge(inputs);

    internal static Add FromConfig(JsonObject c) => new(c.Str("name"));
}

/// <summary>The first input minus the second (exactly two inputs).</summary>
public sealed class Subtract(string? name = null) : MergeLayer(name)
{
    private protected override int MinInputs => 2;

    private protected override int MaxInputs => 2;

    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes) => ElementwiseShape(inputShapes);

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Ops.Sub(inputs[0], inputs[1]);

    internal static Subtract FromConfig(JsonObject c) => new(c.Str("name"));
}

/// <summary>Elementwise product of the inputs.</summary>
public sealed class Multiply(string? name = null) : MergeLayer(name)
{
    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes) => ElementwiseShape(inputShapes);

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Mul);

    internal static Multiply FromConfig(JsonObject c) => new(c.Str("name"));
}

/// <summary>Elementwise mean of the inputs.</summary>
public sealed class Average(string? name = null) : MergeLayer(name)
{
    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes) => ElementwiseShape(inputShapes);

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) =>
        Ops.MulScalar(Fold(inputs, Ops.Add), 1.0 / inputs.Count);

    internal static Average FromConfig(JsonObject c) => new(c.Str("name"));
}

/// <summary>Elementwise maximum of the inputs (the gradient goes to the larger; ties to the earlier input).</summary>
public sealed class Maximum(string? name = null) : MergeLayer(name)
{
    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes) => ElementwiseShape(inputShapes);

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Maximum);

    internal static Maximum FromConfig(JsonObject c) => new(c.Str("name"));
}

/// <summary>Elementwise minimum of the inputs.</summary>
public sealed class Minimum(string? name = null) : MergeLayer(name)
{
    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes) => ElementwiseShape(inputShapes);

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Fold(inputs, Ops.Minimum);

    internal static Minimum FromConfig(JsonObject c) => new(c.Str("name"));
}

/// <summary>Joins the inputs along <paramref name="axis"/>, which counts the batch axis as Keras
/// does (axis 0 is the batch; negative counts from the end). Keras's default -1 joins channels of
/// channels-last images; Engine's images are channels-first, so an Inception block joins its
/// branches with <c>axis: 1</c>.</summary>
public sealed class Concatenate(int axis = -1, string? name = null) : MergeLayer(name)
{
    public int Axis { get; } = axis;

    private protected override int[] MergedShape(IReadOnlyList<int[]> inputShapes)
    {
        var rank = inputShapes[0].Length + 1;
        var ax = Axis < 0 ? Axis + rank : Axis;
        if (ax <= 0 || ax >= rank)
            throw new ArgumentException($"Layer \"{Name}\": axis {Axis} is out of range for inputs of shape {WithBatch(inputShapes[0])}" +
                                        (ax == 0 ? " (axis 0 is the batch axis, which cannot be joined)." : "."));
        var matching = inputShapes.All(s => s.Length == rank - 1 && Enumerable.Range(0, rank - 1).All(d => d == ax - 1 || s[d] == inputShapes[0][d]));
        if (!matching)
            throw new ArgumentException($"A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape={Shapes(inputShapes)}");
        var shape = inputShapes[0].ToArray();
        shape[ax - 1] = inputShapes.Sum(s => s[ax - 1]);
        return shape;
    }

    private protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => inputs.Count == 1 ? inputs[0] : Ops.Concatenate(inputs, Axis);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }

    internal static Concatenate FromConfig(JsonObject c) => new(c.Int("axis"), c.Str("name"));
}
