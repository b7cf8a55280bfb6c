using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Launch of kernels/dropout.cu.</summary>
public sealed partial class CudaBackend
{
    public void DropoutForward(Tensor x, Tensor y, Tensor mask, int n, double rate, ulong seed)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), F32(mask, n, k), n, rate, seed);
    }
}
