using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>y[p, oy, ox] = x[p, oy - top, ox - left] inside x, else 0 (overwrites y); x is
    /// [planes, h, w], y [planes, oh, ow]. Negative top/left crop (Cropping2D).</summary>
    void Pad2DForward(Tensor x, Tensor y, Pad2DGeometry g);

    /// <summary>dx[p, iy, ix] += dy[p, iy + top, ix + left] where that lies inside dy.</summary>
    void Pad2DBackward(Tensor dy, Tensor dx, Pad2DGeometry g);

    /// <summary>Nearest-neighbour upsampling: y[p, oy, ox] = x[p, oy / sh, ox / sw], y is [planes, h·sh, w·sw].</summary>
    void UpSampling2DForward(Tensor x, Tensor y, UpSampling2DGeometry g);

    /// <summary>dx[p, iy, ix] += the sum of dy over the sh×sw block that copied it.</summary>
    void UpSampling2DBackward(Tensor dy, Tensor dx, UpSampling2DGeometry g);
}
