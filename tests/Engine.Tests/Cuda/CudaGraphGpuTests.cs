using Engine.Backends;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>CUDA graphs on a real GPU through the driver (cuStreamBeginCapture … cuGraphLaunch):
/// the seed CNN at 28×28 trained step by step with graphs agrees with eager training, and replays
/// allocate no device memory. Skipped (visibly) without a GPU; the stand-in queues cover the logic.</summary>
[Collection(CudaCollection.Name)]
public class CudaGraphGpuTests(ITestOutputHelper output)
{
    private const int Steps = 50;

    /// <summary>Four batches of 28×28×1 images with 10 classes; the last is partial (17 of 32).</summary>
    private static List<(Tensor X, Tensor Y)> Batches()
    {
        var rng = new Rng(7);
        return [.. new[] { 32, 32, 32, 17 }.Select((n, b) => (
            Tensor.RandomUniform(new Shape(n, 1, 28, 28), rng),
            Tensor.FromArray(Enumerable.Range(0, n).Select(i => (i * 3 + b) % 10).ToArray())))];
    }

    private static (double[] Losses, float[][] Weights, Engine.Training.CudaGraphStats Stats) Train(bool graphs)
    {
        var device = Device.Cuda(0);
        var batches = Batches();
        using var model = SeedCnn.Build(1, 28, 10, seed: 1);
        model.Compile(optimizer: new Adam(learningRate: 1e-3, epsilon: 1e-7), loss: new SparseCategoricalCrossentropy(fromLogits: true),
            metrics: ["accuracy"], device: device, cudaGraphs: graphs);
        var losses = new double[Steps];
        for (var step = 0; step < Steps; step++)
        {
            var (x, y) = batches[step % batches.Count];
            losses[step] = model.TrainOnBatch(x, y)["loss"];
        }
        return (losses, model.Weights.Select(w => w.Value.ToFloatArray()).ToArray(), model.GraphStats);
    }

    [Fact]
    public void SeedCnnWithGraphsAgreesWithEagerTrainingFor50Steps()
    {
        CudaTestSupport.RequireGpu("CUDA graphs captured and replayed by the driver");
        var eager = Train(graphs: false);
        var graphs = Train(graphs: true);
        output.WriteLine($"graph stats: {graphs.Stats}");
        Assert.Null(graphs.Stats.OffReason);
        Assert.Equal(2, graphs.Stats.Captures);
        Assert.Equal(2, graphs.Stats.EagerSteps);                 // the first step of each batch shape (32 and 17)
        Assert.Equal(Steps - 2, graphs.Stats.Replays);
        for (var step = 0; step < Steps; step++)
        {
            var rel = Math.Abs(graphs.Losses[step] - eager.Losses[step]) / Math.Abs(eager.Losses[step]);
            Assert.True(rel <= 1e-4, $"step {step}: eager loss {eager.Losses[step]:R}, graphs {graphs.Losses[step]:R} (rel. {rel:E2})");
        }
        for (var w = 0; w < eager.Weights.Length; w++)
        {
            var scale = eager.Weights[w].Max(v => Math.Abs(v));
            var worst = eager.Weights[w].Zip(graphs.Weights[w], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-4 * scale, $"weight {w}: largest difference {worst:E2}, largest weight {scale:E2}");
        }
        Assert.True(eager.Losses[^1] < eager.Losses[0], $"the CNN did not learn: {eager.Losses[0]} -> {eager.Losses[^1]}");
    }

    [Fact]
    public void ReplaysAllocateNoDeviceMemory()
    {
        var gpu = CudaTestSupport.RequireGpu("CUDA graphs captured and replayed by the driver");
        var batches = Batches();
        using var model = SeedCnn.Build(1, 28, 10, seed: 1);
        model.Compile(optimizer: new Adam(learningRate: 1e-3), loss: new SparseCategoricalCrossentropy(fromLogits: true),
            metrics: ["accuracy"], device: Device.Cuda(0), cudaGraphs: true);
        for (var i = 0; i < 2 * batches.Count; i++) model.TrainOnBatch(batches[i % batches.Count].X, batches[i % batches.Count].Y);   // warm-ups, then both captures
        var before = CudaTestSupport.SettledMemoryStats(gpu);
        var freeBefore = gpu.DeviceMemory.FreeBytes;
        for (var step = 0; step < 100; step++)
        {
            var (x, y) = batches[step % batches.Count];
            model.TrainOnBatch(x, y);
        }
        var after = CudaTestSupport.SettledMemoryStats(gpu);
        var freeAfter = gpu.DeviceMemory.FreeBytes;
        output.WriteLine($"before {before}, after {after}; driver free {freeBefore} -> {freeAfter}");
        Assert.Equal(2, model.GraphStats.Captures);
        Assert.Equal(before.DriverAllocations, after.DriverAllocations);
        Assert.Equal(before.ReservedBytes, after.ReservedBytes);
        Assert.Equal(before.AllocatedBytes, after.AllocatedBytes);
        Assert.Equal(before.GraphPoolBytes, after.GraphPoolBytes);
        CudaTestSupport.AssertDriverFreeMemoryFlat(freeBefore, freeAfter, "100 graph replays");
    }
}
