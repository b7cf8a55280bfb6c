using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void Axpy(double alpha, Tensor x, Tensor y, int n)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), alpha, F32(x, n, k), F32(y, n, k), n);
    }

    public void AffineForward(Tensor x, Tensor y, double scale, double shift, int n)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), scale, shift, n);
    }

    /// <summary>A kernel (a, b, y, n) over three float buffers of n elements (maximum, minimum).</summary>
    private void Binary(string k, Tensor a, Tensor b, Tensor y, int n) =>
        Launch(k, Grid1D(n), F32(a, n, k), F32(b, n, k), F32(y, n, k), n);
}
