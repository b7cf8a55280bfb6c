using Engine.Tensors;

namespace Engine.Backends;

/// <summary>2-D max and average pooling (kernels/pool.cu, CpuBackend.Pool.cs).</summary>
public partial interface IBackend
{
    /// <summary>Max over each window of NCHW x; argmax[o] is the flat index into x of the chosen
    /// element (int32). Padding never wins (it counts as -inf).</summary>
    void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, Pool2DGeometry g);

    /// <summary>dx[argmax[o]] += dy[o] for o &lt; total (overlapping windows add up).</summary>
    void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total);

    /// <summary>Mean over each window of NCHW x, counting only elements inside the image (Keras's
    /// rule for 'same' padding).</summary>
    void AvgPool2DForward(Tensor x, Tensor y, Pool2DGeometry g);

    /// <summary>dx[window elements] += dy[o] / count(window).</summary>
    void AvgPool2DBackward(Tensor dy, Tensor dx, Pool2DGeometry g);
}
