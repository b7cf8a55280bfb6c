using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void DropoutForward(Tensor x, Tensor y, Tensor mask, int n, double rate, ulong seed)
        => throw new NotImplementedException("DropoutForward: CPU twin not written yet");

    public void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps)
        => throw new NotImplementedException("BatchNormForwardTraining: CPU twin not written yet");

    public void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y,
        int n, int c, int hw, double eps)
        => throw new NotImplementedException("BatchNormForwardInference: CPU twin not written yet");

    public void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw)
        => throw new NotImplementedException("BatchNormBackward: CPU twin not written yet");
}
