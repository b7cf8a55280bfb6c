using Engine.Backends;

namespace Engine.Layers;

/// <summary>Base of the layers that join several tensors (Keras's Merge): Add, Subtract, Multiply,
/// Average, Maximum, Minimum, Concatenate. They have no weights, take a list of inputs through
/// <see cref="Layer.Apply(IReadOnlyList{SymbolicTensor})"/> (functional API) or
/// <see cref="Forward(IReadOnlyList{Tensor}, bool)"/> (eager), and check Keras's shape rules.</summary>
public abstract class MergeLayer : Layer
{
    private protected MergeLayer(string? name) : base(name, null)
    {
    }

    /// <summary>Fewest inputs accepted (Keras: 1 for the elementwise merges, exactly 2 for Subtract).</summary>
    private protected virtual int MinInputs => 1;

    private protected virtual int MaxInputs => int.MaxValue;

    /// <summary>Per-sample input shapes of the build (one per input).</summary>
    public IReadOnlyList<int[]>? BuiltInputShapes { get; private set; }

    /// <summary>A merge layer takes a list of inputs: this single-input form refuses, as Keras does.</summary>
    public sealed override int[] ComputeOutputShape(int[] inputShape) =>
        throw new ArgumentException($"A merge layer should be called on a list of inputs. Received: input_shape={WithBatch(inputShape)} (not a list of shapes). Use Apply(a, b, …).");

    /// <summary>The output shape for a list of per-sample input shapes.</summary>
    public int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count < MinInputs || inputShapes.Count > MaxInputs)
            throw new ArgumentException(MinInputs == MaxInputs
                ? $"A `{ClassName}` layer should be called on exactly {MinInputs} inputs. Received: input_shape={Shapes(inputShapes)}"
                : $"A merge layer should be called on a list of at least {MinInputs} input. Got {inputShapes.Count} inputs. Full input_shape received: {Shapes(inputShapes)}");
        return MergedShape(inputShapes);
    }

    private protected abstract int[] MergedShape(IReadOnlyList<int[]> inputShapes);

    private protected static string Shapes(IReadOnlyList<int[]> shapes) => "[" + string.Join(", ", shapes.Select(WithBatch)) + "]";

    /// <summary>Keras's rule for elementwise merges: per-sample shapes broadcast with NumPy's rule.</summary>
    private protected int[] ElementwiseShape(IReadOnlyList<int[]> inputShapes)
    {
        var shape = inputShapes[0];
        foreach (var s in inputShapes.Skip(1))
            shape = Broadcast.Shape(shape, s)
                    ?? throw new ArgumentException($"Layer \"{Name}\": inputs have incompatible shapes. Received shapes {WithBatch(shape)} and {WithBatch(s)} (each axis, counted from the right, must be equal or 1).");
        return shape;
    }

    internal sealed override int[] OutputShapeFor(IReadOnlyList<int[]> inputShapes) => ComputeOutputShape(inputShapes);

    internal sealed override void BuildFor(IReadOnlyList<int[]> inputShapes, DType dtype, Device device, ulong seed)
    {
        if (BuiltInputShapes is { } built)
        {
            if (built.Count != inputShapes.Count || built.Zip(inputShapes).Any(p => !p.First.AsSpan().SequenceEqual(p.Second)))
                throw new ArgumentException($"Layer \"{Name}\" was built for input shapes {Shapes(built)}; it cannot also take {Shapes(inputShapes)}.");
            return;
        }
        ComputeOutputShape(inputShapes);
        BuiltInputShapes = inputShapes.Select(s => s.ToArray()).ToList();
        MarkBuilt(inputShapes[0]);
    }

    internal sealed override Tensor ForwardFor(IReadOnlyList<Tensor> inputs, CallContext context)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (IsBuiltFor(inputs)) return MergeFor(inputs, context); // every step after the first: checked without allocating
        if (inputs.Count == 0 || inputs.Any(x => x.Rank < 1))
            throw new ArgumentException($"Layer \"{Name}\" needs a list of batches, each with a batch axis first.");
        var shapes = inputs.Select(x => x.Shape.ToArray()[1..]).ToList();
        var n = inputs[0].Shape[0];
        for (var i = 1; i < inputs.Count; i++)
            if (inputs[i].Shape[0] != n)
                throw Incompatible($"all inputs must have the same batch size; input 0 has {n} samples and input {i} has {inputs[i].Shape[0]}.", i);
        for (var i = 1; i < inputs.Count; i++)
            if (inputs[i].DType != inputs[0].DType)
                throw Incompatible($"inputs have different dtypes ({string.Join(", ", inputs.Select(x => x.DType.Name()))}); a model computes in one dtype.", i);
        BuildFor(shapes, inputs[0].DType, inputs[0].Device, 0);
        return MergeFor(inputs, context);
    }

    /// <summary>Eager call on a list of batches (batch axis first).</summary>
    /// <summary>True when the layer is built for exactly these batches' per-sample shapes, with one
    /// batch size and one dtype among them (what the full checks in ForwardFor would accept as is).</summary>
    private bool IsBuiltFor(IReadOnlyList<Tensor> inputs)
    {
        if (BuiltInputShapes is not { } built || built.Count != inputs.Count || inputs.Count == 0) return false;
        var first = inputs[0];
        for (var i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            if (x is null || x.Rank < 1 || x.Shape[0] != first.Shape[0] || x.DType != first.DType
                || !x.Shape.AsSpan()[1..].SequenceEqual(built[i])) return false;
        }
        return true;
    }

    public Tensor Forward(IReadOnlyList<Tensor> inputs, bool training = false) => ForwardFor(inputs, new CallContext(training, 0));

    /// <summary>Joins batches whose per-sample shapes passed <see cref="ComputeOutputShape(IReadOnlyList{int[]})"/>.</summary>
    private protected abstract Tensor Merge(IReadOnlyList<Tensor> inputs);

    /// <summary><see cref="Merge"/> in a model's run; Add overrides it to apply a fused ReLU (CallContext.FusedRelu).</summary>
    private protected virtual Tensor MergeFor(IReadOnlyList<Tensor> inputs, CallContext context) => Merge(inputs);

    /// <summary>op(…op(op(inputs[0], inputs[1]), inputs[2])…), left to right (no LINQ: runs every step).</summary>
    private protected static Tensor Fold(IReadOnlyList<Tensor> inputs, Func<Tensor, Tensor, Tensor> op)
    {
        var result = inputs[0];
        for (var i = 1; i < inputs.Count; i++) result = op(result, inputs[i]);
        return result;
    }

    protected sealed override Tensor Call(Tensor x, CallContext context) => Merge([x]);
}
