using System.Buffers;
using System.Runtime.CompilerServices;

namespace Engine.Backends.Cpu;

/// <summary>Fast float32 GEMM for the CPU backend, Goto/BLIS style:
/// C[m,n] = alpha·op(A)[m,k]·op(B)[k,n] + beta·C, row-major, A stored [k,m] when transA and
/// B stored [n,k] when transB (the contract of <see cref="IBackend.Gemm"/>).
///
/// Loop nest (outermost first): NC columns of C → KC steps of k (pack a KC×NC block of B) →
/// MC rows of C (pack an MC×KC block of A) → NR-wide panels → MR-high panels → micro-kernel.
/// Packing makes every operand the kernel touches contiguous and cache-resident whatever the
/// transposes; each kc×NR panel of B is reused by all MC/MR panels of A, each A block by all NC/NR
/// panels of B. Large problems are cut into one piece per core (a tile of C, or a slice of k when
/// C is small and k long), each run by this same loop nest on its own thread with its own buffers.
///
/// The loop nest and the micro-kernels are marked AggressiveOptimization (as are the other hot CPU
/// kernels): compiled optimized on first call instead of starting unoptimized and waiting for tiered
/// compilation, which in a short training run (the CLI's main job) kept them slow through the first epoch.</summary>
internal static unsafe class CpuGemm
{
    /// <summary>Below this many flops per thread, extra threads cost more than they save.</summary>
    private const long MinFlopsPerThread = 4_000_000;

    /// <summary>Shortest slice of k worth a thread: below it, loading and storing the C tiles
    /// outweighs the multiply-adds between them.</summary>
    private const int MinKPerSlice = 64;

    /// <summary>The float32 GEMM with the fastest kernel this machine supports.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        if (Avx512GemmKernel.IsSupported) Sgemm<Avx512GemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c);
        else if (Avx2GemmKernel.IsSupported) Sgemm<Avx2GemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c);
        else Sgemm<ScalarGemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /// <summary>Rows and columns of C per micro-tile of the kernel <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, ReadOnlySpan{float}, float, Span{float})"/> uses.</summary>
    public static (int MR, int NR) Tile =>
        Avx512GemmKernel.IsSupported ? (Avx512GemmKernel.MR, Avx512GemmKernel.NR)
        : Avx2GemmKernel.IsSupported ? (Avx2GemmKernel.MR, Avx2GemmKernel.NR)
        : (ScalarGemmKernel.MR, ScalarGemmKernel.NR);

    /// <summary>The float32 GEMM with a chosen micro-kernel. Tests run every kernel the machine has,
    /// and may shrink the blocks, fix the thread count or the number of k slices to reach every path
    /// on small inputs.</summary>
    internal static void Sgemm<TKernel>(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c, GemmBlocking? blocking = null, int? threads = null,
        int? kSlices = null)
        where TKernel : struct, IGemmKernel
    {
        // The kernels use raw pointers: check the extents once here, so a bad call throws instead of
        // reading or writing past the end of an array.
        if (m < 0 || n < 0 || k < 0 || a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"Sgemm {m}x{n}x{k} needs A ≥ {(long)m * k}, B ≥ {(long)k * n} and C ≥ {(long)m * n} elements; " +
                $"received {a.Length}, {b.Length} and {c.Length}.");
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
            // Slicing k changes the order of the sums, so whether and how k is sliced depends on the
            // shape only, never on the core count: results are the same on any machine and any split.
            var slices = Math.Min(kSlices ?? KSlicesFor<TKernel>(m, n, k), k);
            if (slices > 1)
            {
                RunSplitK<TKernel>(job, slices);
                return;
            }
            var plan = PlanThreads<TKernel>(m, n, k, threads ?? ThreadsWorthUsing(m, n, k), allowKSplit: false);
            if (plan.RowTiles * plan.ColTiles > 1) RunGrid<TKernel>(job, plan.RowTiles, plan.ColTiles);
            else RunTile<TKernel>(job, 0, m, 0, n, 0, k, pc, beta);
        }
    }

    /// <summary>k slices summed afterwards, when C is small and k long (weight gradients, a dense
    /// layer's forward pass), as a fixed count: each is one work item for however many cores there are.</summary>
    private const int KSlices = 4;

    private static int KSlicesFor<TKernel>(int m, int n, int k) where TKernel : struct, IGemmKernel =>
        2L * m * n * k >= 2 * MinFlopsPerThread && PlanThreads<TKernel>(m, n, k, KSlices, allowKSplit: true).KSplits > 1 ? KSlices : 1;

    /// <summary>How to spread one GEMM over the cores: a grid of RowTiles×ColTiles tiles of C, or
    /// KSplits slices of the k dimension whose partial products are summed.</summary>
    private readonly record struct ThreadPlan(int RowTiles, int ColTiles, int KSplits);

    /// <summary>One piece of work per thread, cut the way that packs the least: every thread packs
    /// the parts of A and B its piece touches, so a grid of tm×tn tiles packs k·(tm·n + tn·m) values,
    /// while k slices pack k·(m + n) but add m·n values per extra slice to reduce. Slicing k wins
    /// when C is small and k long (weight gradients, a dense layer's forward pass).</summary>
    private static ThreadPlan PlanThreads<TKernel>(int m, int n, int k, int threads, bool allowKSplit) where TKernel : struct, IGemmKernel
    {
        var best = new ThreadPlan(1, 1, 1);
        if (threads <= 1) return best;
        var bestCost = long.MaxValue;
        if (allowKSplit && k / threads >= MinKPerSlice)
            (best, bestCost) = (new ThreadPlan(1, 1, threads), (long)k * (m + n) + 2L * m * n * (threads - 1));
        for (var tm = 1; tm <= threads; tm++)
        {
            if (threads % tm != 0) continue;
            var tn = threads / tm;
            if (CeilDiv(m, tm) < TKernel.MR && tm > 1) continue;
            if (CeilDiv(n, tn) < TKernel.NR && tn > 1) continue;
            var cost = (long)k * ((long)tm * n + (long)tn * m);
            if (cost < bestCost) (best, bestCost) = (new ThreadPlan(tm, tn, 1), cost);
        }
        return best;
    }

    private static int ThreadsWorthUsing(int m, int n, int k) =>
        (int)Math.Min(CpuParallel.Threads, 2L * m * n * k / MinFlopsPerThread);

    /// <summary>Each thread computes one tile of C over the whole of k.</summary>
    private static void RunGrid<TKernel>(GemmJob job, int rowTiles, int colTiles) where TKernel : struct, IGemmKernel
    {
        // Tile edges on whole micro-tiles, so no thread computes a ragged tile it could avoid.
        var rowStep = RoundUp(CeilDiv(job.M, rowTiles), TKernel.MR);
        var colStep = RoundUp(CeilDiv(job.N, colTiles), TKernel.NR);
        CpuParallel.For(rowTiles * colTiles, (job, colTiles, rowStep, colStep), static (s, t) =>
        {
            var (job, colTiles, rowStep, colStep) = s;
            var i0 = t / colTiles * rowStep;
            var j0 = t % colTiles * colStep;
            if (i0 < job.M && j0 < job.N)
                RunTile<TKernel>(job, i0, Math.Min(job.M, i0 + rowStep), j0, Math.Min(job.N, j0 + colStep), 0, job.K, job.C, job.Beta);
        });
    }

    /// <summary>Each work item computes all of C over one slice of k: the first slice straight into C
    /// (applying beta), the others into pooled scratch matrices that are then added onto C in slice
    /// order (so the sum does not depend on which thread ran which slice).</summary>
    private static void RunSplitK<TKernel>(GemmJob job, int slices) where TKernel : struct, IGemmKernel
    {
        var size = job.M * job.N;
        var partials = ArrayPool<float>.Shared.Rent(size * (slices - 1));
        try
        {
            fixed (float* pPartials = partials)
            {
                var scratch = pPartials;
                // Slice bounds t·k/slices: never empty, as k ≥ slices whenever slicing is chosen.
                CpuParallel.For(slices, (job, slices, size, Scratch: (nint)scratch), static (s, t) =>
                {
                    var (job, slices, size) = (s.job, s.slices, s.size);
                    var scratch = (float*)s.Scratch;
                    var p0 = (int)((long)t * job.K / slices);
                    var p1 = (int)((long)(t + 1) * job.K / slices);
                    if (t == 0) RunTile<TKernel>(job, 0, job.M, 0, job.N, p0, p1, job.C, job.Beta);
                    else RunTile<TKernel>(job, 0, job.M, 0, job.N, p0, p1, scratch + (long)(t - 1) * size, 0f);
                });
            }
            var c = new Span<float>(job.C, size);
            for (var t = 1; t < slices; t++) SimdFloat.Add(c, partials.AsSpan((t - 1) * size, size), c);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>C[i0..i1, j0..j1] (C row-major with row length n, at <paramref name="c"/>) =
    /// alpha·op(A)·op(B) over the steps p0..p1 of k + beta·C, by the blocked loop nest, on the
    /// calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunTile<TKernel>(in GemmJob job, int i0, int i1, int j0, int j1, int p0, int p1, float* c, float beta)
        where TKernel : struct, IGemmKernel
    {
        var (mcMax, kcMax, ncMax) = job.Blocking;
        var scratch = GemmScratch.ForThisThread;
        var kcLargest = Math.Min(kcMax, p1 - p0);
        var packedA = scratch.A(RoundUp(Math.Min(mcMax, i1 - i0), TKernel.MR) * kcLargest);
        var packedB = scratch.B(RoundUp(Math.Min(ncMax, j1 - j0), TKernel.NR) * kcLargest);
        var edge = scratch.Tile(TKernel.MR * TKernel.NR);
        for (var jc = j0; jc < j1; jc += ncMax)
        {
            var nc = Math.Min(ncMax, j1 - jc);
            for (var pc = p0; pc < p1; pc += kcMax)
            {
                var kc = Math.Min(kcMax, p1 - pc);
                var betaNow = pc == p0 ? beta : 1f; // later k-blocks accumulate onto the first
                GemmPacking.PackB<TKernel>(job.TransB, job.B, job.N, job.K, jc, nc, pc, kc, packedB);
                for (var ic = i0; ic < i1; ic += mcMax)
                {
                    var mc = Math.Min(mcMax, i1 - ic);
                    GemmPacking.PackA<TKernel>(job.TransA, job.A, job.M, job.K, ic, mc, pc, kc, job.Alpha, packedA);
                    MacroKernel<TKernel>(kc, packedA, mc, packedB, nc, c + (long)ic * job.N + jc, job.N, betaNow, edge);
                }
            }
        }
    }

    /// <summary>Multiplies a packed mc×kc block of A by a packed kc×nc block of B into C (row stride ldc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
