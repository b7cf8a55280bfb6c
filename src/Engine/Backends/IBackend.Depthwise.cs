using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Depthwise convolution: a <see cref="Conv2DGeometry"/> with Groups = C and F = C·m.</summary>
public partial interface IBackend
{
    /// <summary>y[b, f, oy, ox] = Σ_{i,j} x[b, f/m, oy·sh - ph + i·dh, ox·sw - pw + j·dw] · filt[f, i, j]
    /// for f &lt; c·m (m = depth multiplier; filt is [c·m, 1, kh, kw]); overwrites y.</summary>
    void DepthwiseConv2DForward(Tensor x, Tensor filt, Tensor y, Conv2DGeometry g);

    /// <summary>dx += the input gradient of DepthwiseConv2DForward.</summary>
    void DepthwiseConv2DBackwardInput(Tensor dy, Tensor filt, Tensor dx, Conv2DGeometry g);

    /// <summary>dfilt += the filter gradient of DepthwiseConv2DForward.</summary>
    void DepthwiseConv2DBackwardFilter(Tensor x, Tensor dy, Tensor dfilt, Conv2DGeometry g);
}
