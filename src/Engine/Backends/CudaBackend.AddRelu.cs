using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void AddReluForward(Tensor a, Tensor b, Tensor y, int n)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(a, n, k), F32(b, n, k), F32(y, n, k), n);
    }

    public void AddReluBackward(Tensor y, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(n), F32(y, n, k), F32(dy, n, k), F32(da, n, k, optional: true), F32(db, n, k, optional: true), n);
    }
}
