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

    /// <summary>y = x with axes permuted (overwrites y; any 4-byte element type, or float64 on the CPU):
    /// y's axis a (of 8; unused trailing axes have size 1) has size d_a and steps through x by s_a
    /// elements. Spelled out as ints so that the kernel takes them by value.</summary>
    void TransposeNd(Tensor x, Tensor y, int total, int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
        int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7);
}
