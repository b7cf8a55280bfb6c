using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void Im2Col(Tensor x, Tensor col, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.ColumnsSize), F32(x, g.InputSize, k), F32(col, g.ColumnsSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    public void Col2Im(Tensor col, Tensor dx, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        CheckStrides(k, g.SH, g.SW);
        Launch(k, Grid1D(g.InputSize), F32(col, g.ColumnsSize, k), F32(dx, g.InputSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    public void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        const string k = "max_pool2d_forward";
        var ySize = (long)n * c * oh * ow;
        Launch(k, Grid1D(ySize), F32(x, (long)n * c * h * w, k), F32(y, ySize, k), I32(argmax, ySize, k), n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    public void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total)
    {
        const string k = "max_pool2d_backward";
        Launch(k, Grid1D(total), F32(dy, total, k), I32(argmax, total, k), F32(dx, 0, k), total);
    }

    public void AvgPool2DForward(Tensor x, Tensor y, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        const string k = "avg_pool2d_forward";
        var ySize = (long)n * c * oh * ow;
        Launch(k, Grid1D(ySize), F32(x, (long)n * c * h * w, k), F32(y, ySize, k), n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    public void AvgPool2DBackward(Tensor dy, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
    {
        const string k = "avg_pool2d_backward";
        var xSize = (long)n * c * h * w;
        CheckStrides(k, sh, sw);
        Launch(k, Grid1D(xSize), F32(dy, (long)n * c * oh * ow, k), F32(dx, xSize, k), n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    /// <summary>The gather kernels divide by the strides.</summary>
    private static void CheckStrides(string kernel, int sh, int sw)
    {
        if (sh <= 0 || sw <= 0)
            throw new ArgumentOutOfRangeException(nameof(sh), $"{kernel}: strides must be positive; received ({sh}, {sw}).");
    }
}
