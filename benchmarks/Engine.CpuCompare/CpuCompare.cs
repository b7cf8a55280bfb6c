using System.Diagnostics;
using System.Runtime.InteropServices;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using ETensor = Engine.Tensors.Tensor;

namespace Engine.CpuCompare;

/// <summary>Times Engine and TorchSharp on the same workload in one process: same layers, same initial
/// weights, same batch, Adam(1e-3, eps 1e-7), sparse softmax cross-entropy on logits, both limited to
/// the same number of threads. Blocks of steps alternate between the two, the order rotating each
/// block, so drift in machine load hits both; medians over blocks and the per-block range are printed.</summary>
internal static class CpuCompare
{
    public static int Run(IReadOnlyList<string> args)
    {
        CpuCompareOptions options;
        try { options = CpuCompareOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"cpu-compare: {e.Message}");
            return 2;
        }
        // Engine's CPU kernels use ProcessorCount threads; TorchSharp gets the same number.
        if (options.Threads != Environment.ProcessorCount)
            Console.WriteLine($"note: Engine uses Environment.ProcessorCount = {Environment.ProcessorCount} threads " +
                "(set DOTNET_PROCESSOR_COUNT to change it); TorchSharp is set to --threads.");
        // --only engine never touches LibTorch, so its peak RSS is Engine's alone.
        var torchLoaded = options.Only != "engine";
        if (torchLoaded)
        {
            torch.set_num_threads(options.Threads);
            torch.set_num_interop_threads(1);
        }
        var torchInfo = torchLoaded
            ? $"TorchSharp {typeof(torch).Assembly.GetName().Version} (LibTorch {torch.__version__}), torch threads {torch.get_num_threads()}"
            : "TorchSharp not loaded";
        Console.WriteLine($"cpu-compare  {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC  {RuntimeInformation.FrameworkDescription}  {torchInfo}  " +
            $"Engine threads {Environment.ProcessorCount}, Vector512 accelerated {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        Console.WriteLine($"cpu: {CpuName()}  load average before: {LoadAverage()}");
        Console.WriteLine($"blocks {options.Blocks} × {options.Steps} steps per side, warm-up {options.Warmup} steps, order rotated per block");
        Console.WriteLine();
        var rows = new List<string>();
        foreach (var workload in options.Workloads)
            rows.Add(Compare(workload, options));
        Console.WriteLine();
        Console.WriteLine("| workload | Engine ms/step (median, range) | TorchSharp ms/step (median, range) | Engine/TorchSharp | Engine managed B/step |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row);
        Console.WriteLine();
        Console.WriteLine($"load average after: {LoadAverage()}");
        Console.WriteLine($"peak RSS of this process (both sides together): {PeakRssMiB():F0} MiB");
        return 0;
    }

    private sealed class Side(string name, Action<int> run)
    {
        public string Name { get; } = name;
        public Action<int> Run { get; } = run;
        public List<double> MsPerStep { get; } = [];
        public long ManagedBytes { get; set; }
        public long TimedSteps { get; set; }
        public long PoolRented { get; set; }
        public long PoolFresh { get; set; }
    }

    private static string Compare(Workload workload, CpuCompareOptions options)
    {
        // Start each workload with an empty array pool: arrays pooled for the previous workload's shapes
        // would fill its byte limit and make this one allocate as if the pool were full.
        CpuArrayPool.Shared.Clear();
        using var model = workload.BuildEngine();
        var rng = new Rng(2);
        using var x = ETensor.RandomUniform(new Shape(workload.Batch, workload.Channels, workload.Size, workload.Size), rng);
        var labels = Enumerable.Range(0, workload.Batch).Select(i => i % 10).ToArray();
        using var y = ETensor.FromArray(labels);

        model.Compile(optimizer: new Adam(learningRate: 1e-3, epsilon: 1e-7), loss: new SparseCategoricalCrossentropy(fromLogits: true));
        var logs = new Dictionary<string, double>(); // reused: TrainOnBatch's own result dictionary is not engine work
        using var predictions = ETensor.Empty(new Shape(workload.Batch, 10)); // reused likewise: PredictInto fills it
        Side engine = workload.Train
            ? new Side("engine", n => { for (var i = 0; i < n; i++) model.TrainOnBatchInto(logs, x, y); })
            : new Side("engine", n => { for (var i = 0; i < n; i++) model.PredictInto(x, predictions, workload.Batch); });
        using var torchTwin = options.Only == "engine" ? null : new TorchRunner(workload, model, x, labels);
        if (options.Check && torchTwin is not null) CheckSameStart(workload, model, torchTwin, x, y);
        var torchSide = torchTwin is null ? null : new Side("torch", torchTwin.Run);

        Side[] sides = options.Only switch
        {
            "engine" => [engine],
            "torch" => [torchSide!],
            _ => [engine, torchSide!],
        };
        foreach (var side in sides) side.Run(options.Warmup);
        for (var block = 0; block < options.Blocks; block++)
            for (var s = 0; s < sides.Length; s++)
            {
                var side = sides[(block + s) % sides.Length];
                var pool = CpuArrayPool.Shared.Statistics;
                var watch = Stopwatch.StartNew();
                var managed = GC.GetAllocatedBytesForCurrentThread(); // around the steps only, not this loop's own objects
                side.Run(options.Steps);
                managed = GC.GetAllocatedBytesForCurrentThread() - managed;
                side.MsPerStep.Add(watch.Elapsed.TotalMilliseconds / options.Steps);
                side.ManagedBytes += managed;
                side.TimedSteps += options.Steps;
                var poolAfter = CpuArrayPool.Shared.Statistics;
                side.PoolRented += poolAfter.Rented - pool.Rented;
                side.PoolFresh += poolAfter.Rented - poolAfter.Reused - (pool.Rented - pool.Reused);
            }

        foreach (var side in sides)
            Console.WriteLine($"{workload.Name,-14} {side.Name,-6} ms/step per block: {string.Join(" ", side.MsPerStep.Select(v => v.ToString("F2")))}");
        if (sides.Contains(engine))
            Console.WriteLine($"{workload.Name,-14} engine CPU array pool per step: {engine.PoolRented / (double)engine.TimedSteps:F0} rented, " +
                $"{engine.PoolFresh / (double)engine.TimedSteps:F1} newly allocated (not reused)");
        string Cell(Side s) => $"{Median(s.MsPerStep):F2} ({s.MsPerStep.Min():F2}–{s.MsPerStep.Max():F2})";
        var engineCell = sides.Contains(engine) ? Cell(engine) : "—";
        var torchCell = torchSide is not null && sides.Contains(torchSide) ? Cell(torchSide) : "—";
        var ratio = sides.Length == 2 ? (Median(engine.MsPerStep) / Median(torchSide!.MsPerStep)).ToString("F2") : "—";
        var managedPerStep = sides.Contains(engine) ? (engine.ManagedBytes / (double)engine.TimedSteps).ToString("F0") : "—";
        return $"| {workload.Name} b{workload.Batch} | {engineCell} | {torchCell} | {ratio} | {managedPerStep} |";
    }

    /// <summary>Both sides start from the same weights: their first losses (and logits) must agree.</summary>
    private static void CheckSameStart(Workload workload, Model model, TorchRunner twin, ETensor x, ETensor y)
    {
        var engineLogits = model.Predict(x, workload.Batch).ToFloatArray();
        var (torchLogits, torchLoss) = twin.LogitsAndLoss();
        var maxDiff = engineLogits.Zip(torchLogits, (a, b) => Math.Abs(a - b)).Max();
        var maxLogit = engineLogits.Max(Math.Abs);
        var engineLoss = model.TestOnBatch(x, y)["loss"];
        Console.WriteLine($"{workload.Name,-14} check: max |logit diff| {maxDiff:G3} (max |logit| {maxLogit:G3}), loss engine {engineLoss:F6} torch {torchLoss:F6}");
        if (!workload.Train) return;
        // One training step each from the same state: training-mode losses (batch statistics) must agree,
        // and so must the second step's, which follows the first update (gradients and Adam included).
        var first = (model.TrainOnBatch(x, y)["loss"], twin.TrainStepLoss());
        var second = (model.TrainOnBatch(x, y)["loss"], twin.TrainStepLoss());
        Console.WriteLine($"{workload.Name,-14} check: training-step losses engine {first.Item1:F6} {second.Item1:F6}, torch {first.Item2:F6} {second.Item2:F6}");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string CpuName() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : RuntimeInformation.ProcessArchitecture.ToString();

    /// <summary>VmHWM: the most resident memory this process has held.</summary>
    public static double PeakRssMiB()
    {
        if (!File.Exists("/proc/self/status")) return double.NaN;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
}
