using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Fused batch norm + ReLU, training mode, over x viewed as [n, c, hw]: the batch statistics
    /// as <see cref="BatchNormForwardTraining"/> (saved mean and invstd, running statistics updated), then
    /// y = relu(x·scale + shift) with scale = gamma·invstd and shift = beta − mean·scale taken from the
    /// saved values, in one pass.</summary>
    void BatchNormReluForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps);

    /// <summary>Fused batch norm + ReLU, inference mode: y = relu(batch norm with the running statistics).</summary>
    void BatchNormReluForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y,
        int n, int c, int hw, double eps);

    /// <summary>Backward of <see cref="BatchNormReluForwardTraining"/>: the ReLU mask is recomputed from x
    /// (x·scale + shift &gt; 0, with the forward's scale and shift), dz = dy·mask, then batch norm's
    /// backward of dz: dx += ..., dgamma += Σ dz·x̂, dbeta += Σ dz (each skipped when null).</summary>
    void BatchNormReluBackward(Tensor x, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw);
}
