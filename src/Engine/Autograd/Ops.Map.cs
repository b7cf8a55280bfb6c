using Engine.Backends;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Runs a generated per-element op (<see cref="ElementwiseOps"/>) on the tape: binary ops
    /// broadcast their operands (NumPy's rule; the gradient of a broadcast operand is summed over the
    /// broadcast axes by <see cref="BroadcastTo"/>'s backward), the backward is the op's generated
    /// derivative. <paramref name="name"/> is the tape's name for it (the op's own by default).</summary>
    public static Tensor Map(ElementwiseOp op, Tensor a, Tensor? b = null, double p0 = 0, double p1 = 0, double p2 = 0, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        name ??= op.Name;
        RequireFloat(name, a);
        if ((b is not null) != (op.Inputs.Count == 2))
            throw new ArgumentException($"{name} takes {op.Inputs.Count} tensor(s) ({string.Join(", ", op.Inputs)}); received {(b is null ? 1 : 2)}.");
        if (b is not null) (a, b) = Broadcasted(name, a, b);
        var y = Tensor.EmptyLike(a);
        a.Backend.ElementwiseForward(op, a, b, y, y.Size, p0, p1, p2);
        Tensor[] inputs = b is null ? [a] : [a, b];
        Tape.Record(name, y, inputs, (dy, grad) =>
        {
            var (g0, g1) = (grad(a), op.Grads.Count > 1 ? grad(b!) : null);
            if (g0 is null && g1 is null) return;
            var s0 = op.Saved.Count > 0 ? Saved(op.Saved[0]) : null;
            var s1 = op.Saved.Count > 1 ? Saved(op.Saved[1]) : null;
            dy.Backend.ElementwiseBackward(op, s0, s1, dy, g0, g1, dy.Size, p0, p1, p2);
        });
        return y;

        Tensor Saved(string tensor) => tensor == "y" ? y : tensor == op.Inputs[0] ? a : b!;
    }
}
