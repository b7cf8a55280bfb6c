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
        Tape.Record(name, y, b is null ? [a] : [a, b], new MapSaved(op, a, b, y, p0, p1, p2), static (in s, dy, grad) =>
        {
            if (CpuBackend.HasWriteOnceBackward(s.Op, dy))
            {
                // The CPU's float32 ReLU and add write an untouched gradient buffer instead of adding to its zero fill.
                var w0 = BackwardPass.GradToOverwrite(grad, s.A, out var assign0);
                var assign1 = false;
                var w1 = s.B is null ? null : BackwardPass.GradToOverwrite(grad, s.B, out assign1);
                CpuBackend.WriteOnceBackward(s.Op, s.Op.Saved.Count > 0 ? s.Saved(s.Op.Saved[0]) : null, dy, w0, assign0, w1, assign1, dy.Size);
                return;
            }
            var (g0, g1) = (grad(s.A), s.Op.Grads.Count > 1 ? grad(s.B!) : null);
            if (g0 is null && g1 is null) return;
            var s0 = s.Op.Saved.Count > 0 ? s.Saved(s.Op.Saved[0]) : null;
            var s1 = s.Op.Saved.Count > 1 ? s.Saved(s.Op.Saved[1]) : null;
            dy.Backend.ElementwiseBackward(s.Op, s0, s1, dy, g0, g1, dy.Size, s.P0, s.P1, s.P2);
        });
        return y;
    }

    /// <summary>What a per-element op's backward needs: the op, its operands and result, its parameters.</summary>
    private readonly record struct MapSaved(ElementwiseOp Op, Tensor A, Tensor? B, Tensor Y, double P0, double P1, double P2)
    {
        /// <summary>The tensor the op's derivative names ("y", or one of its inputs).</summary>
        public Tensor Saved(string tensor) => tensor == "y" ? Y : tensor == Op.Inputs[0] ? A : B!;
    }
}
