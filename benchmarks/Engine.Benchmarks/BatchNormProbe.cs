using System.Diagnostics;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Quick look at the batch-norm and residual-join passes outside BenchmarkDotNet: per shape, the best of
/// N calls of each float32 kernel, with its minimum memory traffic (every tensor read or written once) as GB/s,
/// next to a plain copy of one tensor (Span.CopyTo) on the same thread count for scale.
/// Usage: bn-probe W4S1,W4S2,W4S3,W5L1,... reps [threads]</summary>
internal static class BatchNormProbe
{
    public static (int N, int C, int Hw) Of(string shape) => shape switch
    {
        "W4S1" => (128, 16, 1024),
        "L2S1" => (4, 16, 1024), // W4S1 cut to 256 KB per tensor (in L2)
        "W4S2" => (128, 32, 256),
        "W4S3" => (128, 64, 64),
        "W5L1" => (32, 64, 256),
        "W5L2" => (32, 128, 64),
        "W5L3" => (32, 256, 16),
        "W5L4" => (32, 512, 4),
        _ => throw new ArgumentException($"unknown shape {shape}"),
    };

    public static int Run(string[] args)
    {
        var reps = int.Parse(args[1]);
        if (args.Length > 2) CpuParallel.ThreadLimit = int.Parse(args[2]);
        Console.WriteLine($"threads {CpuParallel.Threads}, best of {reps}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        var be = CpuBackend.Instance;
        foreach (var name in args[0].Split(','))
        {
            var (n, c, hw) = Of(name);
            var shape = new Shape(n, c, hw);
            var size = n * c * hw;
            var rng = new Rng(8);
            using var x = Tensor.RandomNormal(shape, rng);
            using var dy = Tensor.RandomNormal(shape, rng);
            using var b = Tensor.RandomNormal(shape, rng);
            using var y = Tensor.Empty(shape);
            using var dx = Tensor.Empty(shape);
            using var db = Tensor.Empty(shape);
            using var gamma = Tensor.Full(new Shape(c), 1);
            using var beta = Tensor.Full(new Shape(c), 0.1);
            using var mean = Tensor.Empty(new Shape(c));
            using var invStd = Tensor.Empty(new Shape(c));
            using var runMean = Tensor.Zeros(new Shape(c));
            using var runVar = Tensor.Full(new Shape(c), 1);
            using var dgamma = Tensor.Zeros(new Shape(c));
            using var dbeta = Tensor.Zeros(new Shape(c));
            be.BatchNormForwardTraining(x, gamma, beta, y, mean, invStd, runMean, runVar, n, c, hw, 0.99, 1e-3);
            double Best(Action run)
            {
                for (var i = 0; i < 3; i++) run();
                var best = double.MaxValue;
                for (var i = 0; i < reps; i++)
                {
                    var sw = Stopwatch.StartNew();
                    run();
                    best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                }
                return best;
            }
            var mb = size * 4.0 / 1e6;
            void Line(string what, double ms, int tensors) =>
                Console.WriteLine($"{name,-5} {what,-16} {ms * 1000,8:F0} us  {tensors * mb / ms,6:F1} GB/s ({tensors} x {mb:F1} MB)");
            Line("copy", Best(() => CpuParallel.ForEachPlane(c, (long)n * hw, (x, y, n, c, hw), static (s, ch) =>
            {
                for (var i = 0; i < s.n; i++) s.x.Span<float>().Slice((i * s.c + ch) * s.hw, s.hw).CopyTo(s.y.Span<float>().Slice((i * s.c + ch) * s.hw, s.hw));
            })), 2);
            Line("old bn-fwd", Best(() => CpuParallel.ForEachPlane(c, (long)n * hw, 0, (_, ch) => Baselines.BatchNormFloatSession6.Forward(x.Span<float>(), gamma.Span<float>(),
                beta.Span<float>(), y.Span<float>(), mean.Span<float>(), invStd.Span<float>(), runMean.Span<float>(), runVar.Span<float>(), n, c, hw, ch, 0.99, 1e-3))), 2);
            Line("old bnrelu-bwd", Best(() => CpuParallel.ForEachPlane(c, (long)n * hw, 0, (_, ch) => Baselines.BatchNormFloatSession6.BackwardRelu(x.Span<float>(), dy.Span<float>(), gamma.Span<float>(),
                beta.Span<float>(), mean.Span<float>(), invStd.Span<float>(), dx.Span<float>(), dgamma.Span<float>(), dbeta.Span<float>(), n, c, hw, ch, true))), 3);
            Line("bn-fwd", Best(() => be.BatchNormForwardTraining(x, gamma, beta, y, mean, invStd, runMean, runVar, n, c, hw, 0.99, 1e-3)), 2);
            Line("bnrelu-fwd", Best(() => be.BatchNormReluForwardTraining(x, gamma, beta, y, mean, invStd, runMean, runVar, n, c, hw, 0.99, 1e-3)), 2);
            Line("bn-bwd", Best(() => CpuBackend.BatchNormBackwardFloat(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, n, c, hw, assign: true)), 3);
            Line("bnrelu-bwd", Best(() => CpuBackend.BatchNormReluBackwardFloat(x, dy, gamma, beta, mean, invStd, dx, dgamma, dbeta, n, c, hw, assign: true)), 3);
            Line("addrelu-fwd", Best(() => be.AddReluForward(x, b, y, size)), 3);
            Line("addrelu-bwd", Best(() => CpuBackend.AddReluBackwardFloat(x, dy, dx, true, db, true, size)), 4);
        }
        return 0;
    }
}
