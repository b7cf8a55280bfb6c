using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

using static Engine.Tests.Backends.GemmKernelSupport;

namespace Engine.Tests.Backends;

/// <summary>The blocked float32 GEMM against the plain triple loop run in float64 on the same inputs,
/// for every micro-kernel this machine can run.</summary>
public class GemmTests
{
    public static readonly TheoryData<string> Kernels = new() { "avx512", "avx2", "scalar" };

    public static readonly TheoryData<string, bool, bool> KernelsAndTransposes = AllKernelsAndTransposes();

    private static TheoryData<string, bool, bool> AllKernelsAndTransposes()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var kernel in new[] { "avx512", "avx2", "scalar" })
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    data.Add(kernel, ta, tb);
        return data;
    }

    // (m, n, k): ones, odd sizes around the SIMD widths (8, 16, 32) and the micro-tile sizes, sizes
    // that straddle the MC/KC/NC block edges.
    private static readonly (int M, int N, int K)[] OddSizes =
    [
        (1, 1, 1), (1, 7, 3), (7, 1, 3), (3, 3, 1), (3, 7, 17), (17, 31, 7), (31, 63, 65), (63, 65, 31),
        (65, 17, 127), (127, 129, 3), (129, 127, 200), (200, 3, 257), (1, 257, 129), (257, 1, 63), (97, 33, 17),
    ];

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void MatchesReferenceOnOddSizes(string kernel, bool transA, bool transB)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(7);
        foreach (var (m, n, k) in OddSizes)
            CheckAgainstReference(kernel, rng, transA, transB, m, n, k, alpha: 1, beta: 0);
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void MatchesReferenceAcrossBlockEdges(string kernel, bool transA, bool transB)
    {
        SkipUnlessSupported(kernel);
        // Tiny blocks (multiples of every MR and NR) so that m > MC, k > KC and n > NC on small inputs:
        // every loop of the nest runs several times and ends on a ragged block.
        var blocks = new GemmBlocking(MC: 24, KC: 20, NC: 64);
        var rng = new Rng(11);
        CheckAgainstReference(kernel, rng, transA, transB, 61, 150, 47, alpha: 0.75, beta: 0.5, blocks);
        CheckAgainstReference(kernel, rng, transA, transB, 48, 128, 40, alpha: 1, beta: 1, blocks);
        // And the default blocks, with k one past KC.
        CheckAgainstReference(kernel, rng, transA, transB, 19, 35, GemmBlocking.Default.KC + 1, alpha: 1, beta: 0);
    }

    public static readonly TheoryData<bool, bool> Transposes = new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void MatchesReferenceOnMultiThreadedSizes(bool transA, bool transB)
    {
        // Big enough to be cut into one tile per core (on a machine with several cores), with the
        // kernel CpuBackend uses.
        var rng = new Rng(13);
        CheckAgainstReference("best", rng, transA, transB, 300, 500, 400, alpha: 1, beta: 0);
        // Tall and skinny (split by rows) and short and wide (split by columns), both with ragged
        // tiles; small and deep (split along k).
        CheckAgainstReference("best", rng, transA, transB, 1001, 37, 150, alpha: 1, beta: 1);
        CheckAgainstReference("best", rng, transA, transB, 9, 2049, 250, alpha: -1, beta: 0);
        CheckAgainstReference("best", rng, transA, transB, 40, 50, 3000, alpha: 1, beta: 0.5);
    }

    [Theory]
    [MemberData(nameof(KernelsAndTransposes))]
    public void MatchesReferenceWithForcedThreadCounts(string kernel, bool transA, bool transB)
    {
        SkipUnlessSupported(kernel);
        // Three threads whatever the machine: a grid of tiles (big C, short k), then slices of k
        // summed afterwards (small C, long k), with beta applied once and NaN garbage under beta = 0.
        var rng = new Rng(31);
        CheckAgainstReference(kernel, rng, transA, transB, 70, 100, 30, alpha: 1, beta: 0.5, threads: 3);
        CheckAgainstReference(kernel, rng, transA, transB, 13, 21, 400, alpha: 2, beta: 0.5, threads: 3, kSlices: 3);
        CheckAgainstReference(kernel, rng, transA, transB, 13, 21, 400, alpha: 1, beta: 0, threads: 3, nanInC: true, kSlices: 3);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void AlphaAndBetaScaleAsDocumented(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(17);
        foreach (var (alpha, beta) in new[] { (1.0, 0.0), (2.5, 0.0), (-0.5, 1.0), (1.0, 1.0), (0.3, -2.0), (0.0, 0.5), (0.0, 0.0) })
        {
            CheckAgainstReference(kernel, rng, false, false, 33, 45, 29, alpha, beta);
            CheckAgainstReference(kernel, rng, true, true, 9, 70, 130, alpha, beta);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BetaZeroOverwritesNaNGarbage(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(19);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (17, 33, 9), (40, 64, 16), (300, 500, 40), (5, 6, 0) })
        {
            var a = RandomFloats(rng, m * k);
            var b = RandomFloats(rng, k * n);
            var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            Run(kernel, false, false, m, n, k, 1, a, b, 0, c);
            var expected = Reference(false, false, m, n, k, 1, a, b, 0, new float[m * n]);
            AssertClose(expected.Value, expected.Bound, c, k, $"{m}x{n}x{k} over NaN");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void BetaOneAccumulates(string kernel)
    {
        SkipUnlessSupported(kernel);
        var rng = new Rng(23);
        const int m = 37, n = 41, k = 43;
        var a = RandomFloats(rng, m * k);
        var b = RandomFloats(rng, k * n);
        var c = new float[m * n];
        Run(kernel, true, false, m, n, k, 1, a, b, 0, c);
        Run(kernel, true, false, m, n, k, 1, a, b, 1, c);
        var once = Reference(true, false, m, n, k, 1, a, b, 0, new float[m * n]);
        AssertClose(once.Value.Select(v => 2 * v).ToArray(), once.Bound.Select(v => 2 * v).ToArray(), c, k, "A·B accumulated twice");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EmptyInnerDimensionOnlyScalesC(string kernel)
    {
        SkipUnlessSupported(kernel);
        var c = new[] { 1f, -2f, 3f, 4f, 5f, 6f };
        Run(kernel, false, true, 2, 3, 0, 1, [], [], 0.5f, c);
        Assert.Equal(new[] { 0.5f, -1f, 1.5f, 2f, 2.5f, 3f }, c);
        Run(kernel, false, true, 2, 3, 0, 1, [], [], 0, c);
        Assert.Equal(new float[6], c);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EmptyOutputTouchesNothing(string kernel)
    {
        SkipUnlessSupported(kernel);
        var c = new[] { 42f };
        Run(kernel, false, false, 0, 5, 3, 1, [], new float[15], 0, c);
        Run(kernel, false, false, 5, 0, 3, 1, new float[15], [], 0, c);
        Assert.Equal(42f, c[0]);
    }

    [Fact]
    public void FastPathRejectsSpansShorterThanTheSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => CpuGemm.Sgemm(false, false, 4, 5, 6, 1, new float[23], new float[30], 0, new float[20]));
        Assert.Contains("A ≥ 24", ex.Message);
        Assert.Throws<ArgumentException>(() => CpuGemm.Sgemm(false, false, 4, 5, 6, 1, new float[24], new float[30], 0, new float[19]));
    }

    [Fact]
    public void BackendRoutesFloat32AndFloat64ToTheSameResult()
    {
        var rng = new Rng(29);
        const int m = 70, n = 90, k = 50;
        var a = RandomFloats(rng, k * m);
        var b = RandomFloats(rng, n * k);
        var c32 = Tensor.FromArray(new float[m * n], m, n);
        CpuBackend.Instance.Gemm(true, true, m, n, k, 1.5, Tensor.FromArray(a, k, m), Tensor.FromArray(b, n, k), 0, c32);
        var c64 = Tensor.FromArray(new double[m * n], m, n);
        CpuBackend.Instance.Gemm(true, true, m, n, k, 1.5, Tensor.FromArray(ToDoubles(a), k, m), Tensor.FromArray(ToDoubles(b), n, k), 0, c64);
        var expected = Reference(true, true, m, n, k, 1.5, a, b, 0, new float[m * n]);
        AssertClose(expected.Value, expected.Bound, c32.ToFloatArray(), k, "backend float32");
        TestData.AssertClose(expected.Value, c64.ToDoubleArray(), atol: 1e-12, rtol: 1e-12, what: "backend float64");
    }

    [Fact]
    public void BackendRejectsOperandsTooSmallForTheSizes()
    {
        var a = Tensor.Zeros(new Shape(3, 4));
        var b = Tensor.Zeros(new Shape(4, 5));
        var c = Tensor.Zeros(new Shape(3, 5));
        var ex = Assert.Throws<ArgumentException>(() => CpuBackend.Instance.Gemm(false, false, 3, 5, 6, 1, a, b, 0, c));
        Assert.Contains("A (m·k = 3·6) needs 18 elements", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => CpuBackend.Instance.Gemm(false, false, 4, 5, 4, 1, a, b, 0, c));
        Assert.Contains("needs 16 elements", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => CpuBackend.Instance.Gemm(false, false, 3, 5, 4, 1, a, b, 0, Tensor.Zeros(new Shape(3, 5), DType.Float64)));
        Assert.Contains("dtypes", ex.Message);
    }

    private static void CheckAgainstReference(string kernel, Rng rng, bool transA, bool transB, int m, int n, int k, double alpha, double beta,
        GemmBlocking? blocking = null, int? threads = null, bool nanInC = false, int? kSlices = null)
    {
        var a = RandomFloats(rng, m * k);
        var b = RandomFloats(rng, k * n);
        var c = RandomFloats(rng, m * n);
        var expected = Reference(transA, transB, m, n, k, alpha, a, b, beta, c);
        if (nanInC) Array.Fill(c, float.NaN);
        Run(kernel, transA, transB, m, n, k, (float)alpha, a, b, (float)beta, c, blocking, threads, kSlices);
        AssertClose(expected.Value, expected.Bound, c, k, $"{kernel} transA={transA} transB={transB} {m}x{n}x{k} alpha={alpha} beta={beta}");
    }

    /// <summary>The triple loop in float64 on the float inputs, plus the scale that float32 rounding
    /// error is proportional to: |alpha|·Σ_p|a_ip·b_pj| + |beta·c_ij|, bounded above (Cauchy–Schwarz)
    /// by |alpha|·‖row i of op(A)‖·‖column j of op(B)‖ + |beta·c_ij|, which is cheap to compute.</summary>
    private static (double[] Value, double[] Bound) Reference(bool transA, bool transB, int m, int n, int k, double alpha, float[] a, float[] b, double beta, float[] c)
    {
        var value = ToDoubles(c);
        CpuBackend.GemmReference<double>(transA, transB, m, n, k, alpha, ToDoubles(a), ToDoubles(b), beta, value);
        var rowNorm = new double[m];
        var colNorm = new double[n];
        for (var p = 0; p < k; p++)
        {
            for (var i = 0; i < m; i++) rowNorm[i] += Square(transA ? a[p * m + i] : a[i * k + p]);
            for (var j = 0; j < n; j++) colNorm[j] += Square(transB ? b[j * k + p] : b[p * n + j]);
        }
        var bound = new double[m * n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                bound[i * n + j] = Math.Abs(alpha) * Math.Sqrt(rowNorm[i] * colNorm[j]) + Math.Abs(beta * c[i * n + j]);
        return (value, bound);
    }

    private static double Square(float v) => (double)v * v;

    /// <summary>|actual − expected| ≤ 1e-6·(k + 2)·Σ|terms|: a few float32 epsilons per accumulated term.
    /// A dropped or doubled term is of the order of one |a·b| and far outside this.</summary>
    private static void AssertClose(double[] expected, double[] bound, float[] actual, int k, string what)
    {
        var bad = new List<string>();
        for (var i = 0; i < expected.Length; i++)
        {
            var tol = 1e-6 * (k + 2) * bound[i] + 1e-30;
            if (!(Math.Abs(actual[i] - expected[i]) <= tol))
                bad.Add($"[{i}] expected={expected[i]:G9} actual={actual[i]:G9}");
        }
        if (bad.Count > 0)
            Assert.Fail($"{what}: {bad.Count} of {expected.Length} differ; first: {string.Join("; ", bad.Take(5))}");
    }

    private static void Run(string kernel, bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c,
        GemmBlocking? blocking = null, int? threads = null, int? kSlices = null)
    {
        switch (kernel)
        {
            case "best": CpuGemm.Sgemm(transA, transB, m, n, k, alpha, a, b, beta, c); break;
            case "avx512": CpuGemm.Sgemm<Avx512GemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c, blocking, threads, kSlices); break;
            case "avx2": CpuGemm.Sgemm<Avx2GemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c, blocking, threads, kSlices); break;
            case "scalar": CpuGemm.Sgemm<ScalarGemmKernel>(transA, transB, m, n, k, alpha, a, b, beta, c, blocking, threads, kSlices); break;
            default: throw new ArgumentException($"Unknown kernel {kernel}");
        }
    }

    private static float[] RandomFloats(Rng rng, int count)
    {
        var x = new float[count];
        for (var i = 0; i < count; i++) x[i] = (float)rng.NextNormal();
        return x;
    }

    private static double[] ToDoubles(float[] x) => Array.ConvertAll(x, v => (double)v);
}
