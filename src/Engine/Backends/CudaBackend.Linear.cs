using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    /// <summary>Row-major GEMM through column-major cuBLAS. A row-major [r, c] matrix is, byte for
    /// byte, the column-major [c, r] matrix — its transpose. So the row-major C = op(A)·op(B) is
    /// the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: we call cuBLAS with the operands swapped (B first),
    /// the sizes swapped (n, m, k), and each operand's transpose flag unchanged; leading
    /// dimensions are the stored row lengths.</summary>
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Tensor a, Tensor b, double beta, Tensor c)
    {
        const string op = "gemm";
        var pa = F32(a, (long)m * k, op).Bits;
        var pb = F32(b, (long)k * n, op).Bits;
        var pc = F32(c, (long)m * n, op).Bits;
        if (m == 0 || n == 0) return;
        var lda = Math.Max(1, transA ? m : k);   // A stored [k, m] when transposed, else [m, k]
        var ldb = Math.Max(1, transB ? k : n);   // B stored [n, k] when transposed, else [k, n]
        _queue.Sgemm(transB, transA, n, m, k, (float)alpha, pb, ldb, pa, lda, (float)beta, pc, n, AllowTf32);
    }
}
