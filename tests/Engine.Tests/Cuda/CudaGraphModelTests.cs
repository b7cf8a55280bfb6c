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

        // Batches 3, 3, 1 per epoch. Each shape's first step is an eager warm-up, its second the
        // capture (and replay): epoch 1 warms 3, captures 3, warms 1; epoch 2 captures 1.
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0);
        var warm = model.GraphStats;
        Assert.Equal((1, 1, 1, 2), (warm.Graphs, warm.Captures, warm.Replays, warm.EagerSteps));
        model.Fit(x, y, batchSize: 3, epochs: 2, initialEpoch: 1, verbose: 0);
        var first = model.GraphStats;
        Assert.Equal((2, 2, 4, 2), (first.Graphs, first.Captures, first.Replays, first.EagerSteps));
        Assert.Null(first.OffReason);
        Assert.Equal(capturesBefore + 2, queue.Capture.Captures);
        var memory = CudaTestSupport.SettledMemoryStats(backend);
        Assert.True(memory.GraphPoolBytes > 0 && memory.GraphPoolBytes == first.PoolBytes, $"pool {memory.GraphPoolBytes}, graphs {first.PoolBytes}");

        model.Fit(x, y, batchSize: 3, epochs: 5, initialEpoch: 2, verbose: 0);   // 9 more steps, all replays
        var after = model.GraphStats;
        Assert.Equal((2, 2, 13, 2), (after.Graphs, after.Captures, after.Replays, after.EagerSteps));
        Assert.Equal(capturesBefore + 2, queue.Capture.Captures);
        var flat = CudaTestSupport.SettledMemoryStats(backend);
        Assert.Equal(memory.DriverAllocations, flat.DriverAllocations);
        Assert.Equal(memory.AllocatedBytes, flat.AllocatedBytes);
        Assert.Equal(memory.GraphPoolBytes, flat.GraphPoolBytes);
    }

    [Fact]
    public void MovingRecompilingOrTurningGraphsOffDropsTheGraphsAndTheirMemory()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, backend, _) = CudaTestSupport.CheckingDevice();
        var (x, y) = Data();
        using var model = Compiled(device);
        var poolBefore = backend.MemoryStats.GraphPoolBytes;
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0);   // two epochs: each batch shape warmed up, then captured
        Assert.Equal(2, model.GraphStats.Graphs);

        model.To(Device.Cpu).To(device);                          // new weight tensors: graphs dropped
        Assert.Equal(0, model.GraphStats.Graphs);
        Assert.Equal(poolBefore, backend.MemoryStats.GraphPoolBytes);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0);     // warm-ups and captures again
        Assert.Equal((2, 2, 2), (model.GraphStats.Graphs, model.GraphStats.Captures, model.GraphStats.EagerSteps));

        model.Compile(optimizer: "sgd", loss: new SparseCategoricalCrossentropy(fromLogits: true));
        Assert.True(model.UseCudaGraphs);                         // kept: cudaGraphs was not passed
        Assert.Equal(0, model.GraphStats.Graphs);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0);
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
    public void DroppedGradientsAreReattachedWhereTheGraphsExpectThem()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, _, _) = CudaTestSupport.CheckingDevice();
        var (x, y) = Data();
        using var model = Compiled(device);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0, callbacks: [new DropGradients()]);
        var stats = model.GraphStats;
        Assert.Null(stats.OffReason);
        Assert.Equal((2, 2, 4), (stats.Graphs, stats.Captures, stats.Replays));   // the arena gave them the same addresses
    }

    /// <summary>Sparse cross-entropy times a constant that it makes anew on every call (lasting state
    /// that a capture would create inside the graph's pool).</summary>
    private sealed class RemakesAConstant : Loss
    {
        private readonly SparseCategoricalCrossentropy _inner = new(fromLogits: true);
        private Tensor? _ones;

        public override string Name => "remakes_a_constant";

        public override Engine.Metrics.TargetKind? TargetKind => _inner.TargetKind;

        public override bool FromLogits => true;

        public override Tensor PerSample(Tensor yTrue, Tensor yPred)
        {
            var loss = _inner.PerSample(yTrue, yPred);
            _ones?.Dispose();
            using (TensorScope.Untracked()) _ones = Tensor.Ones(loss.Shape, loss.DType, loss.Device);
            return Engine.Autograd.Ops.Mul(loss, _ones);
        }
    }

    [Fact]
    public void CapturesThatKeepCreatingLastingStateAreUsedOnceThenGraphsAreGivenUp()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, _, _) = CudaTestSupport.CheckingDevice();
        var (x, y) = Data();
        using var model = SeedCnn.Build(1, 18, 3, seed: 5);
        model.Compile(optimizer: "adam", loss: new RemakesAConstant(), device: device, cudaGraphs: true);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0);
        var stats = model.GraphStats;
        // Each capture's graph runs its own step (that initialises the constant), then is dropped;
        // the second time, graphs are given up and the rest trains eagerly.
        Assert.Equal((2, 2, 0), (stats.Captures, stats.Replays, stats.Graphs));
        Assert.Contains("lasting state", stats.OffReason);
    }

    [Fact]
    public void AReplayTheDriverRefusesTurnsGraphsOffAndTheStepRunsEagerly()
    {
        CudaTestSupport.RequireNvrtc();
        var (device, _, queue) = CudaTestSupport.CheckingDevice(index: 3);
        var (x, y) = Data();
        using var model = Compiled(device);
        model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0);
        Assert.Equal(2, model.GraphStats.Graphs);
        queue.Capture.ReplayFailure = new Engine.Cuda.CudaException("CUDA_ERROR_INVALID_VALUE: invalid argument (from cuGraphLaunch).");
        var history = model.Fit(x, y, batchSize: 3, epochs: 3, initialEpoch: 2, verbose: 0);
        Assert.Single(history["loss"]);                                   // the epoch completed, eagerly
        var stats = model.GraphStats;
        Assert.Equal((0, 2, 4), (stats.Graphs, stats.Captures, stats.Replays));
        Assert.Contains("a replay failed: CUDA_ERROR_INVALID_VALUE", stats.OffReason);
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
