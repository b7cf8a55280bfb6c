using Engine.Callbacks;
using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>A model's CUDA graphs on the checking queue (cuda:6: launches are checked, not run; memory,
/// copies and GEMMs are real): when steps are captured and replayed, that replays allocate nothing,
/// and when graphs are dropped. Runs without a GPU (needs NVRTC for the launch checks). The values
/// trained here mean nothing; CudaGraphTrainingTests compares them with eager training.</summary>
[Collection(CudaCollection.Name)]
public class CudaGraphModelTests
{
    private static (Tensor X, Tensor Y) Data()
    {
        var x = Tensor.RandomUniform(new Shape(7, 1, 18, 18), new Rng(4));
        var y = Tensor.FromArray(Enumerable.Range(0, 7).Select(i => i % 3).ToArray());
        return (x, y);
    }

    private static Sequential Compiled(Device device, bool graphs = true)
    {
        var model = SeedCnn.Build(1, 18, 3, seed: 5);
        model.Compile(optimizer: new Adam(learningRate: 1e-3), loss: new SparseCategoricalCrossentropy(fromLogits: true),
            metrics: ["accuracy"], device: device, cudaGraphs: graphs);
        return model;
    }

    [Fact]
    public void FitCapturesEachBatchShapeOnceThenReplaysWithoutAllocating()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, backend, queue) = CudaTestSupport.CheckingDevice(index: 4);   // its memory is this test's alone
        var (x, y) = Data();
        using var model = Compiled(device);
        var capturesBefore = queue.Capture.Captures;

        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);   // batches 3, 3, 1
        var first = model.GraphStats;
        Assert.Equal((2, 2, 2, 1), (first.Graphs, first.Captures, first.Replays, first.EagerSteps));
        Assert.Null(first.OffReason);
        Assert.Equal(capturesBefore + 2, queue.Capture.Captures);
        Settle();
        var memory = backend.MemoryStats;
        Assert.True(memory.GraphPoolBytes > 0 && memory.GraphPoolBytes == first.PoolBytes, $"pool {memory.GraphPoolBytes}, graphs {first.PoolBytes}");

        model.Fit(x, y, batchSize: 3, epochs: 4, initialEpoch: 1, verbose: 0);   // 9 more steps, all replays
        var after = model.GraphStats;
        Assert.Equal((2, 2, 11, 1), (after.Graphs, after.Captures, after.Replays, after.EagerSteps));
        Assert.Equal(capturesBefore + 2, queue.Capture.Captures);
        Settle();
        var flat = backend.MemoryStats;
        Assert.Equal(memory.DriverAllocations, flat.DriverAllocations);
        Assert.Equal(memory.AllocatedBytes, flat.AllocatedBytes);
        Assert.Equal(memory.GraphPoolBytes, flat.GraphPoolBytes);
    }

    /// <summary>Tensors someone forgot to dispose return their blocks when finalized: let that happen now.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public void MovingRecompilingOrTurningGraphsOffDropsTheGraphsAndTheirMemory()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, backend, _) = CudaTestSupport.CheckingDevice();
        var (x, y) = Data();
        using var model = Compiled(device);
        var poolBefore = backend.MemoryStats.GraphPoolBytes;
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);
        Assert.Equal(2, model.GraphStats.Graphs);

        model.To(Device.Cpu).To(device);                          // new weight tensors: graphs dropped
        Assert.Equal(0, model.GraphStats.Graphs);
        Assert.Equal(poolBefore, backend.MemoryStats.GraphPoolBytes);
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);     // warm-up and captures again
        Assert.Equal((2, 2, 1), (model.GraphStats.Graphs, model.GraphStats.Captures, model.GraphStats.EagerSteps));

        model.Compile(optimizer: "sgd", loss: new SparseCategoricalCrossentropy(fromLogits: true));
        Assert.True(model.UseCudaGraphs);                         // kept: cudaGraphs was not passed
        Assert.Equal(0, model.GraphStats.Graphs);
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);
        Assert.Equal(2, model.GraphStats.Graphs);

        model.UseCudaGraphs = false;
        Assert.Equal(0, model.GraphStats.Graphs);
        Assert.Equal(poolBefore, backend.MemoryStats.GraphPoolBytes);
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);
        Assert.Equal(0, model.GraphStats.Captures);
    }

    /// <summary>Drops every gradient after each step (as a hand-written loop with set-to-none might).</summary>
    private sealed class DropGradients : Callback
    {
        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) =>
            Optimizer.ZeroGrad(RequireModel().TrainableWeights);
    }

    [Fact]
    public void AGraphWhoseGradientsWereDroppedIsCapturedAgainAndGraphsAreGivenUpWhenItKeepsHappening()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, _, _) = CudaTestSupport.CheckingDevice();
        var (x, y) = Data();
        using var model = Compiled(device);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0, callbacks: [new DropGradients()]);
        var stats = model.GraphStats;
        // Each capture now creates the gradients itself (lasting state inside the graph's pool): the
        // graph is used for its own step and dropped; the second time, graphs are given up.
        Assert.Equal(2, stats.Captures);
        Assert.Equal(0, stats.Graphs);
        Assert.Contains("lasting state", stats.OffReason);
    }

    [Fact]
    public void LayersThatDrawRandomnessEveryStepKeepTheModelEager()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, _, _) = CudaTestSupport.CheckingDevice();
        var (x, y) = Data();
        using var model = new Sequential(
        [
            new Input(1, 18, 18), new Flatten(), new Dropout(0.5), new Dense(3),
        ]);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), device: device, cudaGraphs: true);
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);
        Assert.Equal(0, model.GraphStats.Captures);
        Assert.Contains("layer 'dropout' (Dropout) draws a new random mask every step", model.GraphStats.OffReason);
    }

    [Fact]
    public void GraphsAreOffByDefaultAndDoNothingOnTheCpu()
    {
        var (x, y) = Data();
        using var model = Compiled(Device.Cpu);
        Assert.True(model.UseCudaGraphs);
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);
        Assert.Equal(0, model.GraphStats.Captures);
        Assert.Equal(0, model.GraphStats.EagerSteps);
        using var plain = SeedCnn.Build(1, 18, 3);
        Assert.False(plain.UseCudaGraphs);
    }
}
