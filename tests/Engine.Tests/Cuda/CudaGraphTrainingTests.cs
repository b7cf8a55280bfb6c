using Engine.Autograd;
using Engine.Backends;
using Engine.Cuda;
using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>CUDA graphs running real kernels: on a GPU, or on the CPU kernel emulator when
/// ENGINE_CUDA_EMULATOR is set (else skipped, visibly). The emulator is deterministic, so a graph
/// replay must give bitwise the results of eager execution; on a GPU the same tests allow rounding.
/// Tiny shapes: the emulator is slow.</summary>
[Collection(CudaCollection.Name)]
public class CudaGraphTrainingTests
{
    /// <summary>1×18×18 images (the seed CNN's smallest input), 3 classes, 7 samples: batches of
    /// 3, 3 and a last partial batch of 1.</summary>
    private static (Tensor X, Tensor Y) Data(int count = 7, ulong seed = 4)
    {
        var rng = new Rng(seed);
        var x = Tensor.RandomUniform(new Shape(count, 1, 18, 18), rng);
        var y = Tensor.FromArray(Enumerable.Range(0, count).Select(i => (i * 5 + 1) % 3).ToArray());
        return (x, y);
    }

    private sealed record Run(IReadOnlyDictionary<string, IReadOnlyList<double>> History, float[][] Weights, Engine.Training.CudaGraphStats Stats);

    private static Run Train(Device device, bool graphs, Action<Model>? setup = null, Func<Sequential>? build = null, int epochs = 2)
    {
        var (x, y) = Data();
        using var model = build?.Invoke() ?? SeedCnn.Build(1, 18, 3, seed: 5);
        model.Compile(optimizer: new Adam(learningRate: 1e-3), loss: new SparseCategoricalCrossentropy(fromLogits: true),
            metrics: ["accuracy"], device: device, cudaGraphs: graphs);
        setup?.Invoke(model);
        var history = model.Fit(x, y, batchSize: 3, epochs: epochs, verbose: 0, seed: 9);
        return new Run(history.Values, model.Weights.Select(w => w.Value.ToFloatArray()).ToArray(), model.GraphStats);
    }

    private static void AssertSame(Run eager, Run graphs, bool bitwise)
    {
        foreach (var (key, values) in eager.History)
            for (var e = 0; e < values.Count; e++)
                Assert.True(Close(values[e], graphs.History[key][e], bitwise),
                    $"{key} at epoch {e}: eager {values[e]:R}, graphs {graphs.History[key][e]:R}");
        for (var w = 0; w < eager.Weights.Length; w++)
            for (var i = 0; i < eager.Weights[w].Length; i++)
                Assert.True(Close(eager.Weights[w][i], graphs.Weights[w][i], bitwise),
                    $"weight {w}[{i}]: eager {eager.Weights[w][i]:R}, graphs {graphs.Weights[w][i]:R}");
    }

    private static bool Close(double a, double b, bool bitwise) =>
        bitwise ? a.Equals(b) : Math.Abs(a - b) <= 1e-4 * Math.Max(1e-3, Math.Abs(a));

    private static (Device Device, bool Emulated) Device()
    {
        var device = CudaTestSupport.TrainingDevice();
        return (device, CudaTestSupport.IsEmulated(CudaTestSupport.BackendOf(device)));
    }

    [Fact]
    public void CapturedOpsReplayedWithNewInputsEqualEagerExecution()
    {
        var (device, emulated) = Device();
        var gpu = CudaTestSupport.BackendOf(device);
        var rng = new Rng(21);
        var w = Tensor.RandomNormal(new Shape(5, 3), rng).To(device);
        var bias = Tensor.RandomNormal(new Shape(3), rng).To(device);
        var inputs = Enumerable.Range(0, 3).Select(_ => Tensor.RandomNormal(new Shape(4, 5), rng)).ToArray();

        // y = softmax(relu(x·w + b)) and the gradient of Σy² with respect to w, from temporaries only.
        void Compute(Tensor x, Tensor y, Tensor dw)
        {
            using var scope = new TensorScope();
            w.RequiresGrad = true;
            var h = Ops.Softmax(Ops.Relu(Ops.Linear(x, w, bias)));
            Ops.Sum(Ops.Mul(h, h)).Backward();
            gpu.Copy(h, y, y.Size);
            gpu.Copy(w.Grad!, dw, dw.Size);
            w.ZeroGrad();
        }

        var x0 = inputs[0].To(device);
        var (y, dw) = (Tensor.Zeros(new Shape(4, 3), device: device), Tensor.Zeros(new Shape(5, 3), device: device));
        var eager = inputs.Select(input =>
        {
            gpu.Copy(input.To(device), x0, x0.Size);
            Compute(x0, y, dw);
            return (Y: y.ToFloatArray(), Dw: dw.ToFloatArray());
        }).ToArray();

        w.Grad = Tensor.Zeros(w.Shape, device: device);   // a gradient buffer that outlives the capture
        void Captured(Tensor x)
        {
            using var scope = new TensorScope();
            var h = Ops.Softmax(Ops.Relu(Ops.Linear(x, w, bias)));
            Ops.Sum(Ops.Mul(h, h)).Backward();
            gpu.Copy(h, y, y.Size);
            gpu.Copy(w.Grad!, dw, dw.Size);
            gpu.Fill(w.Grad!, 0, w.Grad!.Size);
        }
        using var graph = gpu.CaptureGraph(() => Captured(x0));
        for (var i = 0; i < inputs.Length; i++)
        {
            gpu.Copy(inputs[i].To(device), x0, x0.Size);
            graph.Replay();
            var (gy, gdw) = (y.ToFloatArray(), dw.ToFloatArray());
            for (var j = 0; j < gy.Length; j++) Assert.True(Close(eager[i].Y[j], gy[j], emulated), $"input {i}: y[{j}] eager {eager[i].Y[j]} graph {gy[j]}");
            for (var j = 0; j < gdw.Length; j++) Assert.True(Close(eager[i].Dw[j], gdw[j], emulated), $"input {i}: dw[{j}] eager {eager[i].Dw[j]} graph {gdw[j]}");
        }
        Assert.True(graph.OperationCount >= 8, $"only {graph.OperationCount} operations were captured");
    }

    [Fact]
    public void TheSeedCnnTrainsTheSameWithGraphsAsEagerlyIncludingTheLastPartialBatch()
    {
        var (device, emulated) = Device();
        var eager = Train(device, graphs: false);
        var graphs = Train(device, graphs: true);
        AssertSame(eager, graphs, bitwise: emulated);
        // 6 steps (3, 3, 1 twice): each shape's first step is an eager warm-up, the next its capture;
        // 2 eager, 2 captures, 4 replays.
        Assert.Equal(new Engine.Training.CudaGraphStats(2, 2, 4, 2, null, graphs.Stats.PoolBytes), graphs.Stats);
        Assert.Equal(0, eager.Stats.Captures);
        Assert.True(eager.History["loss"][1] < eager.History["loss"][0] * 1.5, "training diverged");
    }

    [Fact]
    public void ACaptureOfAColdStepIsUsedOnceThenCapturedAgainWithTheSameResults()
    {
        // Without warm-up the first capture creates the gradients, the loss sums and the metric
        // buffers inside the graph (the emulator fills them with NaN until the replay writes them).
        var (device, emulated) = Device();
        var eager = Train(device, graphs: false, epochs: 1);
        var cold = Train(device, graphs: true, m => m.CudaGraphWarmupSteps = 0, epochs: 1);
        AssertSame(eager, cold, bitwise: emulated);
        Assert.Equal(0, cold.Stats.EagerSteps);
        Assert.Equal(3, cold.Stats.Captures);    // the cold capture, the full batch again, the partial batch
        Assert.Equal(3, cold.Stats.Replays);
        Assert.Equal(2, cold.Stats.Graphs);
        Assert.Null(cold.Stats.OffReason);
    }

    [Fact]
    public void DropoutKeepsTheModelEagerWithTheSameResults()
    {
        var (device, emulated) = Device();
        static Sequential Build() => new(
        [
            new Input(1, 18, 18), new Conv2D(4, 3, activation: "relu"), new MaxPooling2D(2), new Flatten(),
            new Dropout(0.25), new Dense(3),
        ], "small", 5);
        var eager = Train(device, graphs: false, build: Build);
        var graphs = Train(device, graphs: true, build: Build);
        AssertSame(eager, graphs, bitwise: emulated);
        Assert.Equal(0, graphs.Stats.Captures);
        Assert.Contains("Dropout", graphs.Stats.OffReason);
    }

    [Fact]
    public void AFailedCaptureTurnsGraphsOffAndTrainingGoesOnEagerly()
    {
        // A custom loss that reads the predictions back every step cannot be captured.
        var (device, emulated) = Device();
        var eager = Train(device, graphs: false, m => m.Compile(optimizer: new Adam(learningRate: 1e-3), loss: new ReadsBack(),
            metrics: ["accuracy"]));
        var graphs = Train(device, graphs: true, m => m.Compile(optimizer: new Adam(learningRate: 1e-3), loss: new ReadsBack(),
            metrics: ["accuracy"]));
        AssertSame(eager, graphs, bitwise: emulated);
        Assert.Equal(0, graphs.Stats.Captures);
        Assert.Contains("the capture failed", graphs.Stats.OffReason);
        Assert.Contains("CopyToHost", graphs.Stats.OffReason);
        Assert.Contains("while a CUDA graph is being captured", graphs.Stats.OffReason);
    }

    /// <summary>Sparse cross-entropy that also checks the predictions on the host each step.</summary>
    private sealed class ReadsBack : Loss
    {
        private readonly SparseCategoricalCrossentropy _inner = new(fromLogits: true);

        public override string Name => "reads_back";

        public override Engine.Metrics.TargetKind? TargetKind => _inner.TargetKind;

        public override bool FromLogits => true;

        public override Tensor PerSample(Tensor yTrue, Tensor yPred)
        {
            if (yPred.ToFloatArray().Any(float.IsNaN)) throw new InvalidOperationException("NaN predictions");
            return _inner.PerSample(yTrue, yPred);
        }
    }

    [Fact]
    public void AnOperationThatCannotBeCapturedThrowsAndTheDeviceWorksAfterwards()
    {
        var (device, _) = Device();
        var gpu = CudaTestSupport.BackendOf(device);
        var x = Tensor.FromArray([1f, -2f, 3f]).To(device);
        using (new TensorScope()) Ops.Sum(Ops.Relu(x));      // warm-up: kernels load outside captures
        var e = Assert.Throws<CudaException>(() => gpu.CaptureGraph(() =>
        {
            using var scope = new TensorScope();
            Ops.Sum(Ops.Relu(x)).Item();
        }));
        Assert.StartsWith("CopyToHost", e.Message);
        Assert.Contains("while a CUDA graph is being captured", e.Message);
        using var y = Ops.Relu(x);
        Assert.Equal([1f, 0f, 3f], y.ToFloatArray());
    }
}
