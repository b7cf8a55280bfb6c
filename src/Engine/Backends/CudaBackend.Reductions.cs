using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void SumAxisForward(Tensor x, Tensor y, int outer, int axis, int inner, double scale)
    {
        var k = KernelNames.Of();
        var outputs = (long)outer * inner;
        Launch(k, BlockPerRow(outputs, axis), F32(x, outputs * axis, k), F32(y, outputs, k), outer, axis, inner, scale);
    }

    public void SumAxisBackward(Tensor dy, Tensor dx, int outer, int axis, int inner, double scale)
    {
        var k = KernelNames.Of();
        var size = (long)outer * axis * inner;
        Launch(k, Grid1D(size), F32(dy, (long)outer * inner, k), F32(dx, size, k), outer, axis, inner, scale);
    }
}
