namespace Engine.Backends.Cpu;

/// <summary>Fast float32 GEMM for the CPU backend, Goto/BLIS style:
/// C[m,n] = alpha·op(A)[m,k]·op(B)[k,n] + beta·C, row-major, A stored [k,m] when transA and
/// B stored [n,k] when transB (the contract of <see cref="IBackend.Gemm"/>).
///
/// Loop nest (outermost first): NC columns of C → KC steps of k (pack a KC×NC block of B) →
/// MC rows of C (pack an MC×KC block of A) → NR-wide panels → MR-high panels → micro-kernel.
/// The packed B block stays in L2/L3, the packed A block in L2, and one kc×NR B panel in L1 while
/// the micro-kernel walks down the A panels. Large problems are cut into one tile of C per core,
/// each run by this same loop nest on its own thread with its own buffers.</summary>
internal static unsafe class CpuGemm
{
    /// <summary>Below this many flops per thread, extra threads cost more than they save.</summary>
    private const long MinFlopsPerThread = 4_000_000;

    /// <summary>The float32 GEMM with the fastest kernel this machine supports.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        if (Avx512GemmKernel.IsSupported) Sgemm<Avx512GemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c);
        else if (Avx2GemmKernel.IsSupported) Sgemm<Avx2GemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c);
        else Sgemm<ScalarGemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /// <summary>The float32 GEMM with a chosen micro-kernel (tests run every kernel the machine has).</summary>
    internal static void Sgemm<TKernel>(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c, GemmBlocking? blocking = null)
        where TKernel : struct, IGemmKernel
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0)
        {
            // No product term (BLAS semantics: A and B are not read when alpha = 0).
            Scale(c[..(m * n)], beta);
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new GemmJob(transA, transB, m, n, k, alpha, pa, pb, beta, pc, blocking ?? GemmBlocking.Default);
            var (rowTiles, colTiles) = SplitAcrossThreads<TKernel>(m, n, k);
            if (rowTiles * colTiles == 1)
            {
                RunTile<TKernel>(job, 0, m, 0, n);
                return;
            }
            // Tile edges on whole micro-tiles, so no thread computes a ragged tile it could avoid.
            var rowStep = RoundUp(CeilDiv(m, rowTiles), TKernel.MR);
            var colStep = RoundUp(CeilDiv(n, colTiles), TKernel.NR);
            Parallel.For(0, rowTiles * colTiles, t =>
            {
                var i0 = t / colTiles * rowStep;
                var j0 = t % colTiles * colStep;
                if (i0 < m && j0 < n) RunTile<TKernel>(job, i0, Math.Min(m, i0 + rowStep), j0, Math.Min(n, j0 + colStep));
            });
        }
    }

    /// <summary>Chooses a grid of rowTiles×colTiles tiles of C, one per thread. Each tile packs its own
    /// share of A and B, so the grid that minimizes packed volume (tm·n + tn·m) wins: cut the longer
    /// side of C.</summary>
    private static (int RowTiles, int ColTiles) SplitAcrossThreads<TKernel>(int m, int n, int k) where TKernel : struct, IGemmKernel
    {
        var flops = 2L * m * n * k;
        var threads = (int)Math.Min(Environment.ProcessorCount, flops / MinFlopsPerThread);
        if (threads <= 1) return (1, 1);
        var best = (RowTiles: 1, ColTiles: 1);
        var bestCost = long.MaxValue;
        for (var tm = 1; tm <= threads; tm++)
        {
            if (threads % tm != 0) continue;
            var tn = threads / tm;
            if (CeilDiv(m, tm) < TKernel.MR && tm > 1) continue;
            if (CeilDiv(n, tn) < TKernel.NR && tn > 1) continue;
            var cost = (long)tm * n + (long)tn * m;
            if (cost < bestCost) (best, bestCost) = ((tm, tn), cost);
        }
        return best;
    }

    /// <summary>C[i0..i1, j0..j1] by the blocked loop nest, on the calling thread.</summary>
    private static void RunTile<TKernel>(in GemmJob job, int i0, int i1, int j0, int j1) where TKernel : struct, IGemmKernel
    {
        var (mcMax, kcMax, ncMax) = job.Blocking;
        var scratch = GemmScratch.ForThisThread;
        var packedA = scratch.A(RoundUp(mcMax, TKernel.MR) * kcMax);
        var packedB = scratch.B(RoundUp(ncMax, TKernel.NR) * kcMax);
        var edge = scratch.Tile(TKernel.MR * TKernel.NR);
        for (var jc = j0; jc < j1; jc += ncMax)
        {
            var nc = Math.Min(ncMax, j1 - jc);
            for (var pc = 0; pc < job.K; pc += kcMax)
            {
                var kc = Math.Min(kcMax, job.K - pc);
                var beta = pc == 0 ? job.Beta : 1f; // later k-blocks accumulate onto the first
                GemmPacking.PackB<TKernel>(job.TransB, job.B, job.N, job.K, jc, nc, pc, kc, packedB);
                for (var ic = i0; ic < i1; ic += mcMax)
                {
                    var mc = Math.Min(mcMax, i1 - ic);
                    GemmPacking.PackA<TKernel>(job.TransA, job.A, job.M, job.K, ic, mc, pc, kc, job.Alpha, packedA);
                    MacroKernel<TKernel>(kc, packedA, mc, packedB, nc, job.C + (long)ic * job.N + jc, job.N, beta, edge);
                }
            }
        }
    }

    /// <summary>Multiplies a packed mc×kc block of A by a packed kc×nc block of B into C (row stride ldc).</summary>
    private static void MacroKernel<TKernel>(int kc, float* packedA, int mc, float* packedB, int nc, float* c, int ldc, float beta, float* edge)
        where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        for (var jr = 0; jr < nc; jr += nr)
        {
            var cols = Math.Min(nr, nc - jr);
            var bPanel = packedB + jr * kc;
            for (var ir = 0; ir < mc; ir += mr)
            {
                var rows = Math.Min(mr, mc - ir);
                var aPanel = packedA + ir * kc;
                var cTile = c + (long)ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    TKernel.Run(kc, aPanel, bPanel, cTile, ldc, beta);
                }
                else
                {
                    // Ragged edge: compute the whole padded tile aside, then merge the part inside C.
                    TKernel.Run(kc, aPanel, bPanel, edge, nr, 0f);
                    for (var r = 0; r < rows; r++)
                        for (var j = 0; j < cols; j++)
                        {
                            var old = beta == 0 ? 0f : beta * cTile[r * ldc + j];
                            cTile[r * ldc + j] = edge[r * nr + j] + old;
                        }
                }
            }
        }
    }

    /// <summary>C = beta·C, where beta = 0 clears (NaN garbage included) and beta = 1 leaves C alone.</summary>
    private static void Scale(Span<float> c, float beta)
    {
        if (beta == 0) c.Clear();
        else if (beta != 1)
            for (var i = 0; i < c.Length; i++) c[i] *= beta;
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;

    private static int RoundUp(int a, int multiple) => CeilDiv(a, multiple) * multiple;

    /// <summary>The operands of one GEMM call, as raw pointers valid while the caller keeps them fixed.</summary>
    private readonly struct GemmJob(bool transA, bool transB, int m, int n, int k, float alpha, float* a, float* b, float beta, float* c,
        GemmBlocking blocking)
    {
        public readonly GemmBlocking Blocking = blocking;
        public readonly bool TransA = transA, TransB = transB;
        public readonly int M = m, N = n, K = k;
        public readonly float Alpha = alpha, Beta = beta;
        public readonly float* A = a, B = b, C = c;
    }
}
