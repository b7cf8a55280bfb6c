using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, Pool2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.OutputSize), F32(x, g.InputSize, k), F32(y, g.OutputSize, k), I32(argmax, g.OutputSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW);
    }

    public void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(total), F32(dy, total, k), I32(argmax, total, k), F32(dx, 0, k), total);
    }

    public void AvgPool2DForward(Tensor x, Tensor y, Pool2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.OutputSize), F32(x, g.InputSize, k), F32(y, g.OutputSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW);
    }

    public void AvgPool2DBackward(Tensor dy, Tensor dx, Pool2DGeometry g)
    {
        var k = KernelNames.Of();
        CheckStrides(k, g.SH, g.SW);
        Launch(k, Grid1D(g.InputSize), F32(dy, g.OutputSize, k), F32(dx, g.InputSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW);
    }
}
