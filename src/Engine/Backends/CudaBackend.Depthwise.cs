using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void DepthwiseConv2DForward(Tensor x, Tensor filt, Tensor y, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        const string k = "depthwise_conv2d_forward";
        var ySize = (long)n * c * m * oh * ow;
        Launch(k, Grid1D(ySize), F32(x, (long)n * c * h * w, k), F32(filt, (long)c * m * kh * kw, k), F32(y, ySize, k),
            n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    public void DepthwiseConv2DBackwardInput(Tensor dy, Tensor filt, Tensor dx, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        const string k = "depthwise_conv2d_backward_input";
        var xSize = (long)n * c * h * w;
        CheckStrides(k, sh, sw);
        Launch(k, Grid1D(xSize), F32(dy, (long)n * c * m * oh * ow, k), F32(filt, (long)c * m * kh * kw, k), F32(dx, xSize, k),
            n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    public void DepthwiseConv2DBackwardFilter(Tensor x, Tensor dy, Tensor dfilt, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        const string k = "depthwise_conv2d_backward_filter";
        var elements = (long)c * m * kh * kw;
        Launch(k, BlockPerRow(elements, (long)n * oh * ow), F32(x, (long)n * c * h * w, k), F32(dy, (long)n * c * m * oh * ow, k), F32(dfilt, elements, k),
            n, c, h, w, m, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    public void Im2ColDilated(Tensor x, Tensor col, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        const string k = "im2col_dilated";
        var colSize = (long)c * kh * kw * n * oh * ow;
        Launch(k, Grid1D(colSize), F32(x, (long)n * c * h * w, k), F32(col, colSize, k), n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    public void Col2ImDilated(Tensor col, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
    {
        const string k = "col2im_dilated";
        var xSize = (long)n * c * h * w;
        CheckStrides(k, sh, sw);
        Launch(k, Grid1D(xSize), F32(col, (long)c * kh * kw * n * oh * ow, k), F32(dx, xSize, k), n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }
}
