using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Unfolds NCHW x[n,c,h,w] into col[(ci·kh + i)·kw + j, (b·oh + y)·ow + x] =
    /// x[b, ci, y·sh − ph + i·dh, x·sw − pw + j·dw] — one column per output pixel of the whole batch, so
    /// one GEMM W[F, C·kh·kw] · col gives the output as [F, N·oh·ow]. Zero outside the padded border.</summary>
    void Im2Col(Tensor x, Tensor col, Conv2DGeometry g);

    /// <summary>The adjoint of Im2Col: dx[n,c,h,w] += every col entry that was read from it.</summary>
    void Col2Im(Tensor col, Tensor dx, Conv2DGeometry g);
}
