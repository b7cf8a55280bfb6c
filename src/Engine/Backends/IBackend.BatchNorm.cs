using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Training-mode batch norm over x viewed as [n, c, hw]: per-channel batch mean and
    /// biased variance; y = gamma·(x-mean)·invstd + beta; saves mean and invstd = 1/sqrt(var+eps);
    /// updates running stats Keras-style: running = running·momentum + batch·(1-momentum).</summary>
    void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps);

    /// <summary>Inference-mode batch norm with the running statistics.</summary>
    void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y,
        int n, int c, int hw, double eps);

    /// <summary>Backward of training-mode batch norm: dx += ..., dgamma += Σ dy·x̂, dbeta += Σ dy.</summary>
    void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw);
}
