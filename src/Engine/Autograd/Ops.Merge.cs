using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Broadcasting and the ops behind Keras's merge layers. Binary ops broadcast their
/// operands with NumPy's rule (<see cref="Broadcast"/>); the backward of a broadcast sums the
/// gradient over the broadcast axes.</summary>
public static partial class Ops
{
    /// <summary>x read as if it had <paramref name="shape"/> (NumPy broadcasting). Returns x itself
    /// when the shapes already match; otherwise a copy.</summary>
    public static Tensor BroadcastTo(Tensor x, Shape shape)
    {
        RequireFloat("broadcast_to", x);
        if (x.Shape == shape) return x;
        var (od, st) = Broadcast.Plan(x.Shape.ToArray(), shape.ToArray());
        var y = Tensor.Empty(shape, x.DType, x.Device);
        Broadcast.Forward(x.Backend, x, y, od, st);
        Tape.Record("broadcast_to", y, [x], (dy, grad) =>
        {
            if (grad(x) is { } dx) Broadcast.Backward(dy.Backend, dy, dx, od, st);
        });
        return y;
    }

    /// <summary>Checks device and dtype, then broadcasts both operands to their common shape.</summary>
    private static (Tensor A, Tensor B) Broadcasted(string op, Tensor a, Tensor b)
    {
        RequireSameKind(op, a, b);
        if (a.Shape == b.Shape) return (a, b);
        var shape = Broadcast.Shape(a.Shape.ToArray(), b.Shape.ToArray())
                    ?? throw new ArgumentException($"{op}: operands could not be broadcast together with shapes {a.Shape} and {b.Shape} (each axis, counted from the right, must be equal or 1).");
        return (BroadcastTo(a, shape), BroadcastTo(b, shape));
    }

    /// <summary>Elementwise maximum with broadcasting; the gradient goes to a where a ≥ b.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Extremum("maximum", a, b, max: true);

    /// <summary>Elementwise minimum with broadcasting; the gradient goes to a where a ≤ b.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Extremum("minimum", a, b, max: false);

    /// <summary>Maximum or Minimum: broadcast, pick per element, record the matching backward.</summary>
    private static Tensor Extremum(string op, Tensor a, Tensor b, bool max)
    {
        RequireFloat(op, a);
        (a, b) = Broadcasted(op, a, b);
        var y = Tensor.EmptyLike(a);
        if (max) a.Backend.MaximumForward(a, b, y, y.Size);
        else a.Backend.MinimumForward(a, b, y, y.Size);
        Tape.Record(op, y, [a, b], (a, b, max), static (in s, dy, grad) =>
        {
            var (a, b, max) = s;
            if (max) dy.Backend.MaximumBackward(a, b, dy, grad(a), grad(b), dy.Size);
            else dy.Backend.MinimumBackward(a, b, dy, grad(a), grad(b), dy.Size);
        });
        return y;
    }

    /// <summary>Joins tensors along <paramref name="axis"/> (negative counts from the end); every other
    /// axis must match.</summary>
    public static Tensor Concatenate(IReadOnlyList<Tensor> xs, int axis = -1)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0) throw new ArgumentException("concatenate needs at least one tensor.", nameof(xs));
        var first = xs[0];
        RequireFloat("concatenate", first);
        if (first.Rank == 0) throw new ArgumentException("concatenate: scalars have no axis to join along.");
        if (axis < -first.Rank || axis >= first.Rank)
            throw new ArgumentException($"concatenate: axis {axis} is out of range for tensors of rank {first.Rank}.", nameof(axis));
        var ax = axis < 0 ? axis + first.Rank : axis;
        foreach (var x in xs)
        {
            RequireSameKind("concatenate", first, x);
            var same = x.Rank == first.Rank && Enumerable.Range(0, first.Rank).All(d => d == ax || x.Shape[d] == first.Shape[d]);
            if (!same)
                throw new ArgumentException($"concatenate: every axis except the concatenation axis ({axis}) must match; received shapes {string.Join(", ", xs.Select(t => t.Shape))}.");
        }
        var dims = first.Shape.ToArray();
        dims[ax] = xs.Sum(x => x.Shape[ax]);
        var (outer, inner, total) = (first.Shape.Product(0, ax), first.Shape.Product(ax + 1, first.Rank), dims[ax]);
        var y = Tensor.Empty(new Shape(dims), first.DType, first.Device);
        var offsets = new int[xs.Count];
        for (int i = 0, offset = 0; i < xs.Count; offset += xs[i].Shape[ax], i++)
        {
            offsets[i] = offset;
            first.Backend.ConcatForward(xs[i], y, outer, xs[i].Shape[ax], total, offset, inner);
        }
        var inputs = xs.ToArray();
        Tape.Record("concatenate", y, inputs, (dy, grad) =>
        {
            for (var i = 0; i < inputs.Length; i++)
                if (grad(inputs[i]) is { } dx) dy.Backend.ConcatBackward(dy, dx, outer, inputs[i].Shape[ax], total, offsets[i], inner);
        });
        return y;
    }
}
