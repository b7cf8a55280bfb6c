using System.Numerics;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Tensor a, Tensor b, double beta, Tensor c)
    {
        CheckGemmOperands(m, n, k, a, b, c);
        FloatDispatch.Run(c, new GemmCall(transA, transB, m, n, k, alpha, a, b, beta, c));
    }

    /// <summary>float32 takes the blocked SIMD kernel; float64 (gradient checks) keeps the plain loop.</summary>
    private readonly record struct GemmCall(bool TransA, bool TransB, int M, int N, int K, double Alpha, Tensor A, Tensor B, double Beta, Tensor C) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
                CpuGemm.Sgemm(TransA, TransB, M, N, K, (float)Alpha, A.Span<float>(), B.Span<float>(), (float)Beta, C.Span<float>());
            else GemmReference<T>(TransA, TransB, M, N, K, Alpha, A.Span<T>(), B.Span<T>(), Beta, C.Span<T>());
        }
    }

    private static void CheckGemmOperands(int m, int n, int k, Tensor a, Tensor b, Tensor c)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"gemm: sizes must be non-negative; received m={m}, n={n}, k={k}.");
        CheckSameType(a, c, "gemm");
        CheckSameType(b, c, "gemm");
        CheckHolds(a, m, k, "A (m·k");
        CheckHolds(b, k, n, "B (k·n");
        CheckHolds(c, m, n, "C (m·n");
    }

    // The message is built only on failure: GEMMs run every step.
    private static void CheckHolds(Tensor t, int rows, int cols, string what)
    {
        if (t.Size < (long)rows * cols)
            throw new ArgumentException($"gemm: {what} = {rows}·{cols}) needs {(long)rows * cols} elements; the tensor has shape {t.Shape} ({t.Size} elements).");
    }

    /// <summary>The obviously-right triple loop; the fast float32 path is tested against it.</summary>
    internal static void GemmReference<T>(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<T> a, ReadOnlySpan<T> b, double beta, Span<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (al, be) = (C<T>(alpha), C<T>(beta));
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                var sum = T.Zero;
                for (var p = 0; p < k; p++)
                {
                    var av = transA ? a[p * m + i] : a[i * k + p];
                    var bv = transB ? b[j * k + p] : b[p * n + j];
                    sum += av * bv;
                }
                var old = beta == 0 ? T.Zero : be * c[i * n + j];
                c[i * n + j] = al * sum + old;
            }
    }
}
