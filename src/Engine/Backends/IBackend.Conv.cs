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

    /// <summary>Max over each window of NCHW x; argmax[o] is the flat index into x of the chosen
    /// element (int32). Padding never wins (it counts as -inf).</summary>
    void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow);

    /// <summary>dx[argmax[o]] += dy[o] for o &lt; total (overlapping windows add up).</summary>
    void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total);

    /// <summary>Mean over each window of NCHW x, counting only elements inside the image (Keras's
    /// rule for 'same' padding).</summary>
    void AvgPool2DForward(Tensor x, Tensor y, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow);

    /// <summary>dx[window elements] += dy[o] / count(window).</summary>
    void AvgPool2DBackward(Tensor dy, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow);
}
