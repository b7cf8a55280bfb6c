using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>y = a + b (same length n).</summary>
    void AddForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>y = a - b.</summary>
    void SubForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>y = a * b.</summary>
    void MulForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>da += dy * b; db += dy * a (a null gradient is skipped).</summary>
    void MulBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n);

    /// <summary>y = a / b.</summary>
    void DivForward(Tensor a, Tensor b, Tensor y, int n);

    /// <summary>da += dy / b; db -= dy * a / b².</summary>
    void DivBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n);

    /// <summary>y += alpha * x: the accumulate step of add/sub/reshape backward.</summary>
    void Axpy(double alpha, Tensor x, Tensor y, int n);

    /// <summary>y = x * scale + shift: scalar add/sub/mul/div.</summary>
    void AffineForward(Tensor x, Tensor y, double scale, double shift, int n);

    /// <summary>y[o,c,i] = x[o,c,i] + bias[c] for a tensor viewed as [outer, channels, inner]
    /// (dense: [N, F, 1]; conv NCHW: [N, C, H*W]).</summary>
    void BiasAddForward(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner);

    /// <summary>dbias[c] += Σ_{o,i} dy[o,c,i].</summary>
    void BiasAddBackward(Tensor dy, Tensor dbias, int outer, int channels, int inner);

    /// <summary>y = exp(x).</summary>
    void ExpForward(Tensor x, Tensor y, int n);

    /// <summary>y = log(x).</summary>
    void LogForward(Tensor x, Tensor y, int n);

    /// <summary>dx += dy / x (backward of log).</summary>
    void LogBackward(Tensor x, Tensor dy, Tensor dx, int n);
}
