using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Engine.Backends;
using Engine.Cuda;
using Engine.Data;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>`Engine.Benchmarks gpu-compare`: the Engine half of the side-by-side comparison with
/// benchmarks/pytorch/seed_cnn.py (scripts/gpu-benchmark.sh runs both and merges the JSON lines).
/// A plain console mode, not BenchmarkDotNet: BDN's default toolchain builds a new project, which the
/// GPU machine (no SDK) cannot do, and CUDA events around many steps are the timing PyTorch uses.
/// Same recipe as the PyTorch script: seed CNN with logits, Glorot-uniform/zero init, Adam(1e-3,
/// eps 1e-7), sparse categorical cross-entropy, float32 NCHW, the batch resident on the device.</summary>
internal static class GpuCompare
{
    public const int Unavailable = 3;

    public static (int Channels, int Size, int Batch) ParseWorkload(string name) => name switch
    {
        "28x28x1/b128" => (1, 28, 128),
        "64x64x3/b256" => (3, 64, 256),
        _ => throw new ArgumentException($"unknown workload '{name}'; expected 28x28x1/b128 or 64x64x3/b256."),
    };

    public static int Run(IReadOnlyList<string> args)
    {
        GpuCompareOptions options;
        try { options = GpuCompareOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"gpu-compare: {e.Message}\n{GpuCompareOptions.Usage}");
            return 2;
        }
        if (!options.OnCpu && !CudaBackend.IsAvailable)
        {
            var reason = $"CUDA is not available: {CudaBackend.UnavailableReason}";
            Emit(options, new() { ["side"] = "engine", ["skipped"] = reason }, $"gpu-compare: skipped, nothing measured. {reason}");
            return Unavailable;
        }
        var device = options.OnCpu ? Device.Cpu : Device.Cuda(0);
        if (options.Speed)
            foreach (var workload in options.Workloads)
                foreach (var mode in options.Modes)
                    Emit(options, Step(workload, mode, device, options), null);
        if (options.Accuracy) Emit(options, Accuracy(device, options), null);
        return 0;
    }

    /// <summary>The modes, in report order. "loop": Forward, loss, Backward, Adam step, ZeroGrad in a
    /// TensorScope, nothing read back (what the PyTorch loop does). "train_on_batch": the public
    /// TrainOnBatch, which reads the loss back every step (one synchronisation per step). "fit": Fit
    /// over a dataset that yields the resident batch every step (losses and metrics stay on the
    /// device until the epoch ends). The "_graphs" modes are the same with Compile(cudaGraphs: true):
    /// the step is captured once as a CUDA graph and replayed.</summary>
    public static readonly string[] Modes = ["loop", "train_on_batch", "fit", "train_on_batch_graphs", "fit_graphs"];

    /// <summary>The same device-resident batch, <paramref name="count"/> times per epoch.</summary>
    private sealed class RepeatedBatch(Tensor x, Tensor y, int count) : IDataset
    {
        public int BatchCount => count;

        public IEnumerable<Batch> GetBatches(int epoch) => Enumerable.Repeat(new Batch(x, y), count);
    }
    private static Dictionary<string, object?> Step(string workload, string mode, Device device, GpuCompareOptions options)
    {
        var (channels, size, batch) = ParseWorkload(workload);
        using var model = SeedCnn.Build(channels, size, 10, seed: 1);
        var optimizer = new Adam(learningRate: 1e-3, epsilon: 1e-7);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        var graphs = mode.EndsWith("_graphs", StringComparison.Ordinal);
        model.Compile(optimizer: optimizer, loss: loss, device: device, cudaGraphs: graphs);
        var rng = new Rng(2);
        var x = Tensor.RandomUniform(new Shape(batch, channels, size, size), rng).To(device);
        var y = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => i % 10).ToArray()).To(device);
        var weights = model.TrainableWeights;   // once: the list is rebuilt on every call

        // Run(n) runs n training steps.
        Action<int> run = mode switch
        {
            "loop" => n =>
            {
                for (var i = 0; i < n; i++)
                {
                    using var scope = new TensorScope();
                    var value = loss.Call(y, model.Forward(x, training: true));
                    value.Backward();
                    optimizer.Step(weights);
                    Optimizer.ZeroGrad(weights);
                }
            },
            "train_on_batch" or "train_on_batch_graphs" => n =>
            {
                for (var i = 0; i < n; i++) model.TrainOnBatch(x, y);
            },
            "fit" or "fit_graphs" => n => model.Fit(new RepeatedBatch(x, y, n), verbose: 0),
            _ => throw new ArgumentException($"unknown mode '{mode}'; expected one of {string.Join(", ", Modes)}."),
        };

        var warmupWatch = Stopwatch.StartNew();
        run(options.Warmup);
        var gpu = device.IsCuda ? CudaBackend.ForDevice(device.Index) : null;
        gpu?.Synchronize();
        var warmupSeconds = warmupWatch.Elapsed.TotalSeconds;

        gpu?.ResetPeakMemory();
        var driverAllocationsBefore = gpu?.MemoryStats.DriverAllocations;
        var managedBefore = GC.GetAllocatedBytesForCurrentThread();
        var ms = Time(gpu, () => run(options.Steps));
        var managedPerStep = (GC.GetAllocatedBytesForCurrentThread() - managedBefore) / (double)options.Steps;
        var stats = gpu?.MemoryStats;
        var finalLoss = model.TestOnBatch(x, y)["loss"];

        var result = Common(device);
        result["mode"] = mode;
        result["workload"] = workload;
        result["batch"] = batch;
        result["steps"] = options.Steps;
        result["warmup"] = options.Warmup;
        result["ms_per_step"] = ms / options.Steps;
        result["images_per_s"] = batch * 1000.0 * options.Steps / ms;
        result["peak_bytes"] = stats?.PeakAllocatedBytes;
        result["reserved_bytes"] = stats?.ReservedBytes;
        result["driver_allocations_during_timing"] = stats is null ? null : stats.DriverAllocations - driverAllocationsBefore;
        result["managed_bytes_per_step"] = managedPerStep;
        result["warmup_s"] = warmupSeconds;
        result["final_loss"] = finalLoss;
        result["cuda_graphs"] = graphs;
        if (graphs)
        {
            var g = model.GraphStats;
            result["graph_captures"] = g.Captures;
            result["graph_replays"] = g.Replays;
            result["graph_pool_bytes"] = g.PoolBytes;
            result["graphs_off"] = g.OffReason;   // why it trained eagerly instead, when it did
        }
        return result;
    }

    /// <summary>GPU time from CUDA events on the backend's stream; wall-clock on the CPU.</summary>
    private static double Time(CudaBackend? gpu, Action work)
    {
        if (gpu is not null) return gpu.TimeMilliseconds(work);
        var watch = Stopwatch.StartNew();
        work();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>The seed CNN on Fashion-MNIST (or any MNIST-format folder, e.g. data/digits): batch 128,
    /// shuffled each epoch, pixels / 255, test accuracy at the end.</summary>
    private static Dictionary<string, object?> Accuracy(Device device, GpuCompareOptions options)
    {
        var result = Common(device);
        result["mode"] = "accuracy";
        result["dataset"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDirectory)));
        if (!Directory.Exists(options.DataDirectory))
        {
            result["skipped"] = $"no Fashion-MNIST at {Path.GetFullPath(options.DataDirectory)} (make it with: python3 scripts/convert-fashion-mnist.py)";
            return result;
        }
        var data = FashionMnist.Load(options.DataDirectory);
        using var model = SeedCnn.Build(1, 28, 10, seed: 1);
        model.Compile(optimizer: new Adam(learningRate: 1e-3, epsilon: 1e-7), loss: new SparseCategoricalCrossentropy(fromLogits: true),
            metrics: ["accuracy"], device: device);
        var watch = Stopwatch.StartNew();
        model.Fit(data.Train.ImagesTensor(), data.Train.LabelsTensor(), batchSize: 128, epochs: options.Epochs, verbose: 0, seed: 1);
        var trainSeconds = watch.Elapsed.TotalSeconds;
        var scores = model.Evaluate(data.Test.ImagesTensor(), data.Test.LabelsTensor(), batchSize: 1000);
        result["epochs"] = options.Epochs;
        result["batch"] = 128;
        result["train_images"] = data.Train.Count;
        result["test_images"] = data.Test.Count;
        result["test_accuracy"] = scores["accuracy"];
        result["train_s"] = trainSeconds;
        return result;
    }

    private static Dictionary<string, object?> Common(Device device)
    {
        var result = new Dictionary<string, object?>
        {
            ["side"] = "engine",
            ["device"] = device.ToString(),
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
        };
        if (device.IsCuda)
        {
            var info = CudaInfo.Query();
            result["gpu"] = CudaBackend.ForDevice(device.Index).DeviceName;
            result["driver_cuda"] = info.DriverCudaVersion;
            foreach (var library in info.Libraries) result[library.Name] = library.Version;
        }
        return result;
    }

    private static void Emit(GpuCompareOptions options, Dictionary<string, object?> result, string? text)
    {
        if (options.Json) Console.WriteLine(JsonSerializer.Serialize(result));
        else Console.WriteLine(text ?? string.Join("  ", result.Select(p => $"{p.Key}={Format(p.Value)}")));
    }

    private static string Format(object? value) => value switch
    {
        null => "-",
        double d => d.ToString("G5", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "-",
    };
}
