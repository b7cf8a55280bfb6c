using Engine.Backends.Elementwise;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The CUDA side of the generated elementwise ops: one launch for all of them, with the
/// argument order of kernels/elementwise_generated.cu (see <see cref="ElementwiseOp"/>).</summary>
public sealed partial class CudaBackend
{
    public void ElementwiseForward(ElementwiseOp op, Tensor a, Tensor? b, Tensor y, int n, double p0 = 0, double p1 = 0, double p2 = 0)
    {
        var k = op.ForwardKernel;
        Span<KernelArg> args = stackalloc KernelArg[ElementwiseOp.MaxInputs + 2 + ElementwiseOp.MaxParams];
        var c = 0;
        args[c++] = F32(a, n, k);
        if (op.Inputs.Count == 2) args[c++] = F32(Need(b, op.Inputs[1], k), n, k);
        args[c++] = F32(y, n, k);
        args[c++] = n;
        c = Params(op, args, c, p0, p1, p2);
        Launch(k, Grid1D(n), args[..c]);
    }

    public void ElementwiseBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n, double p0 = 0, double p1 = 0, double p2 = 0)
    {
        var k = op.BackwardKernel;
        if (!op.HasBackward) throw new ArgumentException($"{op.Name} has no backward kernel (its gradient is passed on by axpy).");
        if (op.GradsOptional && g0 is null && g1 is null) return;
        Span<KernelArg> args = stackalloc KernelArg[2 * ElementwiseOp.MaxInputs + 2 + ElementwiseOp.MaxParams];
        var c = 0;
        if (op.Saved.Count >= 1) args[c++] = F32(Need(s0, op.Saved[0], k), n, k);
        if (op.Saved.Count >= 2) args[c++] = F32(Need(s1, op.Saved[1], k), n, k);
        args[c++] = F32(dy, n, k);
        if (op.GradsOptional)
        {
            args[c++] = F32(g0, n, k, optional: true);
            args[c++] = F32(g1, n, k, optional: true);
        }
        else args[c++] = F32(Need(g0, op.Grads[0].Grad, k), n, k);
        args[c++] = n;
        c = Params(op, args, c, p0, p1, p2);
        Launch(k, Grid1D(n), args[..c]);
    }

    private static int Params(ElementwiseOp op, Span<KernelArg> args, int c, double p0, double p1, double p2)
    {
        ReadOnlySpan<double> p = [p0, p1, p2];
        for (var j = 0; j < op.Params.Count; j++) args[c++] = p[j];
        return c;
    }

    private static Tensor Need(Tensor? t, string name, string kernel) =>
        t ?? throw new ArgumentException($"{kernel}: the tensor argument {name} is missing.");
}
