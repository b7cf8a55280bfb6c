using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void BatchNormReluForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor saveMean, Tensor saveInvStd,
        Tensor runningMean, Tensor runningVar, int n, int c, int hw, double momentum, double eps)
    {
        var k = KernelNames.Of();
        var size = (long)n * c * hw;
        Launch(k, BlockPerRow(c, (long)n * hw), F32(x, size, k), F32(gamma, c, k), F32(beta, c, k), F32(y, size, k),
            F32(saveMean, c, k), F32(saveInvStd, c, k), F32(runningMean, c, k), F32(runningVar, c, k), n, c, hw, momentum, eps);
    }

    public void BatchNormReluForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y,
        int n, int c, int hw, double eps)
    {
        var k = KernelNames.Of();
        var size = (long)n * c * hw;
        Launch(k, Grid1D(size), F32(x, size, k), F32(gamma, c, k), F32(beta, c, k), F32(runningMean, c, k), F32(runningVar, c, k),
            F32(y, size, k), n, c, hw, eps);
    }

    public void BatchNormReluBackward(Tensor x, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
        Tensor dx, Tensor? dgamma, Tensor? dbeta, int n, int c, int hw)
    {
        var k = KernelNames.Of();
        var size = (long)n * c * hw;
        Launch(k, BlockPerRow(c, (long)n * hw), F32(x, size, k), F32(dy, size, k), F32(gamma, c, k), F32(beta, c, k), F32(saveMean, c, k),
            F32(saveInvStd, c, k), F32(dx, size, k), F32(dgamma, c, k, optional: true), F32(dbeta, c, k, optional: true), n, c, hw);
    }
}
