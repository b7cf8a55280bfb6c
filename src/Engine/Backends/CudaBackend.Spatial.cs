using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void Pad2DForward(Tensor x, Tensor y, Pad2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.OutputSize), F32(x, g.InputSize, k), F32(y, g.OutputSize, k), g.Planes, g.H, g.W, g.Top, g.Left, g.OH, g.OW);
    }

    public void Pad2DBackward(Tensor dy, Tensor dx, Pad2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.InputSize), F32(dy, g.OutputSize, k), F32(dx, g.InputSize, k), g.Planes, g.H, g.W, g.Top, g.Left, g.OH, g.OW);
    }

    public void UpSampling2DForward(Tensor x, Tensor y, UpSampling2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.OutputSize), F32(x, g.InputSize, k), F32(y, g.OutputSize, k), g.Planes, g.H, g.W, g.SH, g.SW);
    }

    public void UpSampling2DBackward(Tensor dy, Tensor dx, UpSampling2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.InputSize), F32(dy, g.OutputSize, k), F32(dx, g.InputSize, k), g.Planes, g.H, g.W, g.SH, g.SW);
    }
}
