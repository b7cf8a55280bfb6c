using System.Diagnostics;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Quick A/B of the conv kernel gradient outside BenchmarkDotNet (seconds instead of minutes on a
/// shared machine): per layer of DirectWeightGradBenchmarks, the best of N runs of the implicit-im2col GEMM
/// and of the direct kernel, measured GEMM, direct, direct, GEMM so that drifting load hits both.
/// Usage: wgrad-probe R20S1,R20S2,... reps [threads]
///        wgrad-copies R20S1,... reps [threads] (the direct kernel's row copies vs its expand copies)
///        wgrad-kernel vectors (the AVX-512 direct block and the GEMM micro-kernel on data in L1).</summary>
internal static unsafe class WeightGradProbe
{
    public static int Layers(string[] args)
    {
        var layers = args[0].Split(',').Select(Enum.Parse<DirectWeightGradBenchmarks.Layer>).ToArray();
        var reps = int.Parse(args[1]);
        if (args.Length > 2) CpuParallel.ThreadLimit = int.Parse(args[2]);
        Console.WriteLine($"threads {CpuParallel.Threads}, best of {reps}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var layer in layers)
        {
            var (input, f, k, s, padding) = DirectWeightGradBenchmarks.Of(layer);
            var g = Conv2DGeometry.Create(input, (k, k), (s, s), padding, filters: f);
            var rng = new Rng(9);
            using var x = Tensor.RandomNormal(input, rng);
            using var dyT = Tensor.RandomNormal(new Shape(f, g.N * g.OH * g.OW), rng);
            using var dw = Tensor.Zeros(new Shape(f, g.ColumnRows));
            var flops = 2.0 * f * g.ColumnRows * g.N * g.OH * g.OW;
            var hasGemm = g.ColumnRows <= CpuConvGemm.MaxK;
            double Best(Action run)
            {
                run();
                var best = double.MaxValue;
                for (var i = 0; i < reps; i++)
                {
                    var sw = Stopwatch.StartNew();
                    run();
                    best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                }
                return best;
            }
            void Gemm()
            {
                CpuConvWeightGrad.DirectEnabled = false;
                try { CpuBackend.ConvWeightGradFromImage(dyT, x, g, dw); }
                finally { CpuConvWeightGrad.DirectEnabled = true; }
            }
            void Direct() => CpuDirectWeightGrad.Run(dyT.Span<float>(), x.Span<float>(), g, dw.Span<float>());
            var gemm = hasGemm ? Best(Gemm) : double.NaN;
            var direct = Math.Min(Best(Direct), Best(Direct));
            if (hasGemm) gemm = Math.Min(gemm, Best(Gemm));
            Console.WriteLine($"{layer,-10} gemm {gemm,8:F3} ms  direct {direct,8:F3} ms  direct/gemm {direct / gemm:F2}  direct {flops / direct / 1e6:F0} GFLOP/s  " +
                $"kept {CpuDirectWeightGrad.KeptShare(g, 16):F2}  rule: {(CpuConvWeightGrad.PrefersDirect(g) ? "direct" : "gemm")}");
        }
        return 0;
    }

    /// <summary>wgrad-copies: the direct kernel with its row-by-row copies (A) against the one-pass expand copies
    /// (B), best of N each, measured A B B A per layer.</summary>
    public static int Copies(string[] args)
    {
        var layers = args[0].Split(',').Select(Enum.Parse<DirectWeightGradBenchmarks.Layer>).ToArray();
        var reps = int.Parse(args[1]);
        if (args.Length > 2) CpuParallel.ThreadLimit = int.Parse(args[2]);
        Console.WriteLine($"threads {CpuParallel.Threads}, best of {reps}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var layer in layers)
        {
            var (input, f, k, s, padding) = DirectWeightGradBenchmarks.Of(layer);
            var g = Conv2DGeometry.Create(input, (k, k), (s, s), padding, filters: f);
            var rng = new Rng(9);
            using var x = Tensor.RandomNormal(input, rng);
            using var dyT = Tensor.RandomNormal(new Shape(f, g.N * g.OH * g.OW), rng);
            using var dw = Tensor.Zeros(new Shape(f, g.ColumnRows));
            double Best(bool expand)
            {
                CpuDirectWeightGrad.ExpandCopies = expand;
                try
                {
                    CpuDirectWeightGrad.Run(dyT.Span<float>(), x.Span<float>(), g, dw.Span<float>());
                    var best = double.MaxValue;
                    for (var i = 0; i < reps; i++)
                    {
                        var sw = Stopwatch.StartNew();
                        CpuDirectWeightGrad.Run(dyT.Span<float>(), x.Span<float>(), g, dw.Span<float>());
                        best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                    }
                    return best;
                }
                finally { CpuDirectWeightGrad.ExpandCopies = true; }
            }
            var rows = Best(false);
            var expand = Math.Min(Best(true), Best(true));
            rows = Math.Min(rows, Best(false));
            Console.WriteLine($"{layer,-10} rows {rows,8:F3} ms  expand {expand,8:F3} ms  expand/rows {expand / rows:F2}");
        }
        return 0;
    }

    public static int Kernel(string[] args)
    {
        var vectors = int.Parse(args[0]);
        var buffer = GC.AllocateArray<float>(1 << 20, pinned: true);
        fixed (float* p0 = buffer)
        {
            var p = (float*)(((nint)p0 + 63) & ~(nint)63);
            for (var i = 0; i < 1 << 19; i++) p[i] = 0.001f * (i % 97);
            var dz = p;
            var x = p + 8 * 16 * vectors + 64;
            var sums = p + (1 << 19);
            var calls = 2_000_000_000 / (vectors * 24 * 16 * 2);
            for (var rep = 0; rep < 3; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (var c = 0; c < calls; c++) Avx512DirectWeightGradKernel.Block(dz, 0, x, x + 1, x + 2, 0, 1, vectors, sums);
                Console.WriteLine($"direct block, {vectors} vectors per call: {2.0 * 24 * 16 * vectors * calls / sw.Elapsed.TotalSeconds / 1e9:F0} GFLOP/s");
            }
            var kc = vectors * 2; // the same FMAs per call
            var n = 2_000_000_000 / (kc * 16 * 2);
            for (var rep = 0; rep < 2; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (var c = 0; c < n; c++) Avx512GemmKernel.Run(kc, p, p + 8 * 32 * 256, sums, 32, 1f);
                Console.WriteLine($"GEMM micro-kernel, kc {kc}: {2.0 * 16 * 16 * kc * n / sw.Elapsed.TotalSeconds / 1e9:F0} GFLOP/s");
            }
        }
        return 0;
    }
}
