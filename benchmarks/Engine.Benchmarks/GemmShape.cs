namespace Engine.Benchmarks;

/// <summary>One GEMM problem size, C[m,n] = op(A)[m,k]·op(B)[k,n]; shown as "MxNxK" in result tables.</summary>
public sealed record GemmShape(int M, int N, int K, bool TransA = false, bool TransB = false, string? Note = null) : IFlopCount
{
    /// <summary>One multiply and one add per term.</summary>
    public double Flops => 2.0 * M * N * K;

    public override string ToString() =>
        $"{M}x{N}x{K}{(TransA ? " Aᵀ" : "")}{(TransB ? " Bᵀ" : "")}{(Note is null ? "" : $" ({Note})")}";
}
