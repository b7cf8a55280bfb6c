using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void ReluForward(Tensor x, Tensor y, int n)
    {
        const string k = "relu_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void ReluBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        const string k = "relu_backward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(dy, n, k), F32(dx, n, k), n);
    }

    public void SigmoidForward(Tensor x, Tensor y, int n)
    {
        const string k = "sigmoid_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void SigmoidBackward(Tensor y, Tensor dy, Tensor dx, int n)
    {
        const string k = "sigmoid_backward";
        Launch(k, Grid1D(n), F32(y, n, k), F32(dy, n, k), F32(dx, n, k), n);
    }

    public void TanhForward(Tensor x, Tensor y, int n)
    {
        const string k = "tanh_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void TanhBackward(Tensor y, Tensor dy, Tensor dx, int n)
    {
        const string k = "tanh_backward";
        Launch(k, Grid1D(n), F32(y, n, k), F32(dy, n, k), F32(dx, n, k), n);
    }
}
