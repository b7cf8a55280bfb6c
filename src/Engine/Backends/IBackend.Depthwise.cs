using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Depthwise convolution and the dilated im2col pair. Geometry as in IBackend.Conv, plus the
/// dilation dh×dw: kernel row i of output row oy reads input row oy·sh - ph + i·dh.</summary>
public partial interface IBackend
{
    /// <summary>y[b, f, oy, ox] = Σ_{i,j} x[b, f/m, oy·sh - ph + i·dh, ox·sw - pw + j·dw] · filt[f, i, j]
    /// for f &lt; c·m (m = depth multiplier; filt is [c·m, 1, kh, kw]); overwrites y.</summary>
    void DepthwiseConv2DForward(Tensor x, Tensor filt, Tensor y, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow);

    /// <summary>dx += the input gradient of DepthwiseConv2DForward.</summary>
    void DepthwiseConv2DBackwardInput(Tensor dy, Tensor filt, Tensor dx, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow);

    /// <summary>dfilt += the filter gradient of DepthwiseConv2DForward.</summary>
    void DepthwiseConv2DBackwardFilter(Tensor x, Tensor dy, Tensor dfilt, int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow);

    /// <summary>Im2Col with dilation: col[(ci·kh + i)·kw + j, (b·oh + y)·ow + x] = x[b, ci, y·sh - ph + i·dh, x·sw - pw + j·dw].</summary>
    void Im2ColDilated(Tensor x, Tensor col, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow);

    /// <summary>The adjoint of Im2ColDilated (accumulates into dx).</summary>
    void Col2ImDilated(Tensor col, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow);
}
