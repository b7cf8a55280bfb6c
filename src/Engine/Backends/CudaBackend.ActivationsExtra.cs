using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void ReluExtForward(Tensor x, Tensor y, int n, double maxValue, double negativeSlope, double threshold)
    {
        const string k = "relu_ext_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n, maxValue, negativeSlope, threshold);
    }

    public void ReluExtBackward(Tensor x, Tensor dy, Tensor dx, int n, double maxValue, double negativeSlope, double threshold)
    {
        const string k = "relu_ext_backward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(dy, n, k), F32(dx, n, k), n, maxValue, negativeSlope, threshold);
    }

    public void EluForward(Tensor x, Tensor y, int n, double alpha)
    {
        const string k = "elu_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n, alpha);
    }

    public void EluBackward(Tensor x, Tensor dy, Tensor dx, int n, double alpha)
    {
        const string k = "elu_backward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(dy, n, k), F32(dx, n, k), n, alpha);
    }

    public void HardSigmoidForward(Tensor x, Tensor y, int n)
    {
        const string k = "hard_sigmoid_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void HardSigmoidBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        const string k = "hard_sigmoid_backward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(dy, n, k), F32(dx, n, k), n);
    }

    public void HardSwishForward(Tensor x, Tensor y, int n)
    {
        const string k = "hard_swish_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void HardSwishBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        const string k = "hard_swish_backward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(dy, n, k), F32(dx, n, k), n);
    }
}
