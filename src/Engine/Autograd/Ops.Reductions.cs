using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Sum over the given axes (all axes when none are given); keepDims keeps them as size 1.</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce("sum", x, axes, keepDims, mean: false);

    /// <summary>Mean over the given axes (all axes when none are given).</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false) => Reduce("mean", x, axes, keepDims, mean: true);

    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Sum(x, [axis], keepDims);

    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);

    private static Tensor Reduce(string op, Tensor x, int[]? axes, bool keepDims, bool mean)
    {
        RequireFloat(op, x);
        var all = axes is null || axes.Length == 0;
        var normalized = all ? Enumerable.Range(0, x.Rank).ToArray() : axes!.Select(x.Shape.NormalizeAxis).Distinct().OrderDescending().ToArray();
        var outDims = x.Shape.ToArray();
        // Reduce the highest axis first so lower axis numbers stay valid.
        var current = x;
        foreach (var ax in normalized.OrderDescending())
        {
            current = ReduceAxis(op, current, ax, mean);
            outDims[ax] = 1;
        }
        var final = keepDims ? outDims : outDims.Where((_, i) => !normalized.Contains(i)).ToArray();
        return Reshape(current, final);
    }

    /// <summary>Reduces one axis, keeping it as size 1.</summary>
    private static Tensor ReduceAxis(string op, Tensor x, int axis, bool mean)
    {
        var (outer, len, inner) = (x.Shape.Product(0, axis), x.Shape[axis], x.Shape.Product(axis + 1, x.Rank));
        Span<int> dims = stackalloc int[x.Rank];
        x.Shape.AsSpan().CopyTo(dims);
        dims[axis] = 1;
        var y = Tensor.Empty(Shape.Of(dims), x.DType, x.Device);
        var scale = mean ? 1.0 / len : 1.0;
        x.Backend.SumAxisForward(x, y, outer, len, inner, scale);
        Tape.Record(op, y, [x], (dy, grad) =>
        {
            if (grad(x) is { } dx) dy.Backend.SumAxisBackward(dy, dx, outer, len, inner, scale);
        });
        return y;
    }
}
