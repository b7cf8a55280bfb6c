using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Moving elements between axis orders (kernels/transpose.cu, CpuBackend.Transpose.cs).</summary>
public partial interface IBackend
{
    /// <summary>Swaps the first two axes of x viewed as [a, b, c]: y[j,i,k] = x[i,j,k] (overwrites y).
    /// Moves convolution outputs between [F, N·P] (GEMM order) and [N, F, P] (NCHW).</summary>
    void Transpose01(Tensor x, Tensor y, int a, int b, int c);

    /// <summary>y = x with axes permuted (overwrites y; any 4-byte element type, or float64 on the CPU):
    /// y's axis a (of 8; unused trailing axes have size 1) has size walk.Dims[a] and steps through x by
    /// walk.Strides[a] elements.</summary>
    void TransposeNd(Tensor x, Tensor y, StridedWalk walk);
}
