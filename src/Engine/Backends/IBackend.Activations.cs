using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>y = max(x, 0).</summary>
    void ReluForward(Tensor x, Tensor y, int n);

    /// <summary>dx += dy * (x &gt; 0).</summary>
    void ReluBackward(Tensor x, Tensor dy, Tensor dx, int n);

    /// <summary>y = 1 / (1 + exp(-x)), computed without overflow for large |x|.</summary>
    void SigmoidForward(Tensor x, Tensor y, int n);

    /// <summary>dx += dy * y * (1 - y).</summary>
    void SigmoidBackward(Tensor y, Tensor dy, Tensor dx, int n);

    /// <summary>y = tanh(x).</summary>
    void TanhForward(Tensor x, Tensor y, int n);

    /// <summary>dx += dy * (1 - y²).</summary>
    void TanhBackward(Tensor y, Tensor dy, Tensor dx, int n);

    /// <summary>Row-wise softmax of a [rows, cols] matrix (max-subtracted).</summary>
    void SoftmaxForward(Tensor x, Tensor y, int rows, int cols);

    /// <summary>dx += y * (dy - Σ_j dy_j y_j), per row.</summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols);

    /// <summary>Row-wise log-softmax: y = x - max - log Σ exp(x - max).</summary>
    void LogSoftmaxForward(Tensor x, Tensor y, int rows, int cols);

    /// <summary>dx += dy - exp(y) * Σ_j dy_j, per row.</summary>
    void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols);
}
