using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Row-wise softmax of a [rows, cols] matrix (max-subtracted).</summary>
    void SoftmaxForward(Tensor x, Tensor y, int rows, int cols);

    /// <summary>dx += y * (dy - Σ_j dy_j y_j), per row.</summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols);

    /// <summary>Row-wise log-softmax: y = x - max - log Σ exp(x - max).</summary>
    void LogSoftmaxForward(Tensor x, Tensor y, int rows, int cols);

    /// <summary>dx += dy - exp(y) * Σ_j dy_j, per row.</summary>
    void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols);
}
