using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void Pad2DForward(Tensor x, Tensor y, int planes, int h, int w, int top, int left, int oh, int ow)
    {
        const string k = "pad2d_forward";
        var ySize = (long)planes * oh * ow;
        Launch(k, Grid1D(ySize), F32(x, (long)planes * h * w, k), F32(y, ySize, k), planes, h, w, top, left, oh, ow);
    }

    public void Pad2DBackward(Tensor dy, Tensor dx, int planes, int h, int w, int top, int left, int oh, int ow)
    {
        const string k = "pad2d_backward";
        var xSize = (long)planes * h * w;
        Launch(k, Grid1D(xSize), F32(dy, (long)planes * oh * ow, k), F32(dx, xSize, k), planes, h, w, top, left, oh, ow);
    }

    public void UpsampleNearest2DForward(Tensor x, Tensor y, int planes, int h, int w, int sh, int sw)
    {
        const string k = "upsample_nearest2d_forward";
        var (xSize, ySize) = ((long)planes * h * w, (long)planes * h * sh * w * sw);
        Launch(k, Grid1D(ySize), F32(x, xSize, k), F32(y, ySize, k), planes, h, w, sh, sw);
    }

    public void UpsampleNearest2DBackward(Tensor dy, Tensor dx, int planes, int h, int w, int sh, int sw)
    {
        const string k = "upsample_nearest2d_backward";
        var (xSize, ySize) = ((long)planes * h * w, (long)planes * h * sh * w * sw);
        Launch(k, Grid1D(xSize), F32(dy, ySize, k), F32(dx, xSize, k), planes, h, w, sh, sw);
    }

    public void TransposeNd(Tensor x, Tensor y, int total, int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
        int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7)
    {
        const string k = "transpose_nd";
        if (x.DType != y.DType)
            throw new ArgumentException($"{k}: operands have dtypes {x.DType.Name()} and {y.DType.Name()}; they must match.");
        Launch(k, Grid1D(total), KernelArg32(x, total, k), KernelArg32(y, total, k), total,
            d0, d1, d2, d3, d4, d5, d6, d7, s0, s1, s2, s3, s4, s5, s6, s7);
    }
}
