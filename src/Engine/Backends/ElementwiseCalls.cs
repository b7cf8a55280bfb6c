using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The per-op backend calls of the generated elementwise ops, each naming its entry in
/// <see cref="ElementwiseOps"/>; both backends implement only <see cref="IBackend.ElementwiseForward"/>
/// and <see cref="IBackend.ElementwiseBackward"/>. Arguments are in the order of the kernels.</summary>
public static class ElementwiseCalls
{
    public static void ReluForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Relu, x, null, y, n);

    public static void ReluBackward(this IBackend be, Tensor x, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.Relu, x, null, dy, dx, null, n);

    public static void SigmoidForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Sigmoid, x, null, y, n);

    /// <summary>dx += dy * y * (1 - y), from the output y.</summary>
    public static void SigmoidBackward(this IBackend be, Tensor y, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.Sigmoid, y, null, dy, dx, null, n);

    public static void TanhForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Tanh, x, null, y, n);

    /// <summary>dx += dy * (1 - y²), from the output y.</summary>
    public static void TanhBackward(this IBackend be, Tensor y, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.Tanh, y, null, dy, dx, null, n);

    public static void ExpForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Exponential, x, null, y, n);

    /// <summary>dx += dy * y, from the output y.</summary>
    public static void ExpBackward(this IBackend be, Tensor y, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.Exponential, y, null, dy, dx, null, n);

    public static void LogForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Logarithm, x, null, y, n);

    public static void LogBackward(this IBackend be, Tensor x, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.Logarithm, x, null, dy, dx, null, n);

    public static void ReluExtForward(this IBackend be, Tensor x, Tensor y, int n, double maxValue, double negativeSlope, double threshold) =>
        be.ElementwiseForward(ElementwiseOps.ReluExt, x, null, y, n, maxValue, negativeSlope, threshold);

    public static void ReluExtBackward(this IBackend be, Tensor x, Tensor dy, Tensor dx, int n, double maxValue, double negativeSlope, double threshold) =>
        be.ElementwiseBackward(ElementwiseOps.ReluExt, x, null, dy, dx, null, n, maxValue, negativeSlope, threshold);

    public static void EluForward(this IBackend be, Tensor x, Tensor y, int n, double alpha) => be.ElementwiseForward(ElementwiseOps.Elu, x, null, y, n, alpha);

    public static void EluBackward(this IBackend be, Tensor x, Tensor dy, Tensor dx, int n, double alpha) => be.ElementwiseBackward(ElementwiseOps.Elu, x, null, dy, dx, null, n, alpha);

    public static void HardSigmoidForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.HardSigmoid, x, null, y, n);

    public static void HardSigmoidBackward(this IBackend be, Tensor x, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.HardSigmoid, x, null, dy, dx, null, n);

    public static void HardSwishForward(this IBackend be, Tensor x, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.HardSwish, x, null, y, n);

    public static void HardSwishBackward(this IBackend be, Tensor x, Tensor dy, Tensor dx, int n) => be.ElementwiseBackward(ElementwiseOps.HardSwish, x, null, dy, dx, null, n);

    public static void AddForward(this IBackend be, Tensor a, Tensor b, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Add, a, b, y, n);

    public static void SubForward(this IBackend be, Tensor a, Tensor b, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Sub, a, b, y, n);

    public static void MulForward(this IBackend be, Tensor a, Tensor b, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Mul, a, b, y, n);

    /// <summary>da += dy * b; db += dy * a (a null gradient is skipped).</summary>
    public static void MulBackward(this IBackend be, Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) => be.ElementwiseBackward(ElementwiseOps.Mul, a, b, dy, da, db, n);

    public static void DivForward(this IBackend be, Tensor a, Tensor b, Tensor y, int n) => be.ElementwiseForward(ElementwiseOps.Div, a, b, y, n);

    /// <summary>da += dy / b; db -= dy * a / b² (a null gradient is skipped).</summary>
    public static void DivBackward(this IBackend be, Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n) => be.ElementwiseBackward(ElementwiseOps.Div, a, b, dy, da, db, n);

    /// <summary>loss = -(t·log(pc) + (1-t)·log(1-pc)), pc = clamp(p, eps, 1-eps).</summary>
    public static void BinaryCrossEntropyForward(this IBackend be, Tensor p, Tensor target, Tensor loss, int n, double eps) =>
        be.ElementwiseForward(ElementwiseOps.BinaryCrossEntropy, p, target, loss, n, eps, 1 - eps);

    /// <summary>dp += dloss·(p - t)/(p·(1 - p)) where p is inside [eps, 1-eps] (clip passes the gradient there).</summary>
    public static void BinaryCrossEntropyBackward(this IBackend be, Tensor p, Tensor target, Tensor dloss, Tensor dp, int n, double eps) =>
        be.ElementwiseBackward(ElementwiseOps.BinaryCrossEntropy, p, target, dloss, dp, null, n, eps, 1 - eps);

    /// <summary>x = clamp(x, -limit, limit) in place (gradient clipping by value; NaN stays NaN).</summary>
    public static void ClipByValue(this IBackend be, Tensor x, double limit, int n) => be.ElementwiseForward(ElementwiseOps.ClipByValue, x, null, x, n, limit);
}
