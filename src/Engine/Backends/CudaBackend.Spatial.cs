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

    public void TransposeNd(Tensor x, Tensor y, int total, int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
        int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7)
    {
        var k = KernelNames.Of();
        if (x.DType != y.DType)
            throw new ArgumentException($"{k}: operands have dtypes {x.DType.Name()} and {y.DType.Name()}; they must match.");
        Launch(k, Grid1D(total), KernelArg32(x, total, k), KernelArg32(y, total, k), total,
            d0, d1, d2, d3, d4, d5, d6, d7, s0, s1, s2, s3, s4, s5, s6, s7);
    }
}
