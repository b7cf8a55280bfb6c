using Engine.Tensors;

namespace Engine.Backends;

public partial interface IBackend
{
    /// <summary>Row-major GEMM: C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C, where op
    /// transposes when asked (A is stored [k,m] when transA, B is stored [n,k] when transB).
    /// beta = 1 accumulates, as backward passes do.</summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Tensor a, Tensor b, double beta, Tensor c);
}
