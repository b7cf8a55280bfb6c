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
        Span<bool> reduced = stackalloc bool[x.Rank];
        if (axes is null || axes.Length == 0) reduced.Fill(true);
        else
            foreach (var axis in axes) reduced[x.Shape.NormalizeAxis(axis)] = true;
        // Reduce the highest axis first so lower axis numbers stay valid (each keeps its axis as 1).
        var current = x;
        for (var ax = x.Rank - 1; ax >= 0; ax--)
            if (reduced[ax]) current = ReduceAxis(op, current, ax, mean);
        Span<int> final = stackalloc int[x.Rank];
        var rank = 0;
        for (var i = 0; i < x.Rank; i++)
            if (keepDims) final[rank++] = reduced[i] ? 1 : x.Shape[i];
            else if (!reduced[i]) final[rank++] = x.Shape[i];
        return Reshape(current, final[..rank]);
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
        Tape.Record(op, y, [x], (x, outer, len, inner, scale), static (in s, dy, grad) =>
        {
            var (x, outer, len, inner, scale) = s;
            if (grad(x) is { } dx) dy.Backend.SumAxisBackward(dy, dx, outer, len, inner, scale);
        });
        return y;
    }
}
