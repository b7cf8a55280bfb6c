using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Forward of a generated per-element op: y = op(a[, b]) over n elements, with the op's
    /// scalar parameters in order (unused ones 0). The per-op calls (ReluForward, AddForward, ...) are
    /// extensions in <see cref="ElementwiseCalls"/> that name the op.</summary>
    void ElementwiseForward(ElementwiseOp op, Tensor a, Tensor? b, Tensor y, int n, double p0 = 0, double p1 = 0, double p2 = 0);

    /// <summary>Backward of a generated op: each gradient gk += op.Grads[k] reading the saved tensors
    /// (op.Saved, in order) and dy. With two gradients a null one is skipped.</summary>
    void ElementwiseBackward(ElementwiseOp op, Tensor? s0, Tensor? s1, Tensor dy, Tensor? g0, Tensor? g1, int n, double p0 = 0, double p1 = 0, double p2 = 0);

    /// <summary>y += alpha * x: the accumulate step of add/sub/reshape backward.</summary>
    void Axpy(double alpha, Tensor x, Tensor y, int n);

    /// <summary>y = x * scale + shift: scalar add/sub/mul/div.</summary>
    void AffineForward(Tensor x, Tensor y, double scale, double shift, int n);
}
