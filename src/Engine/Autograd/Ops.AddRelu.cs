using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>relu(a + b) as one op (the residual join of ResNets): one pass forward; the backward
    /// takes the ReLU mask from the output and writes both gradients in one pass, so a + b and its
    /// gradient are never stored. Shapes must match; with broadcasting it is the composite.</summary>
    public static Tensor AddRelu(Tensor a, Tensor b)
    {
        const string op = "add_relu";
        RequireFloat(op, a);
        RequireSameKind(op, a, b);
        if (!a.Shape.Equals(b.Shape)) return Relu(Add(a, b));
        var y = Tensor.EmptyLike(a);
        a.Backend.AddReluForward(a, b, y, a.Size);
        Tape.Record(op, y, [a, b], (a, b, y), static (in s, dy, grad) =>
        {
            var (a, b, y) = s;
            if (dy.Backend is CpuBackend && dy.DType == DType.Float32)
            {
                // Each gradient is written once when this is its first writer (no zero fill); b == a adds to a's.
                var da = BackwardPass.GradToOverwrite(grad, a, out var assignA);
                var db = BackwardPass.GradToOverwrite(grad, b, out var assignB);
                if (da is not null || db is not null) CpuBackend.AddReluBackwardFloat(y, dy, da, assignA, db, assignB, dy.Size);
            }
            else
            {
                var (da, db) = (grad(a), grad(b));
                if (da is not null || db is not null) dy.Backend.AddReluBackward(y, dy, da, db, dy.Size);
            }
        });
        return y;
    }
}
