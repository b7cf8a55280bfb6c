using BenchmarkDotNet.Attributes;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>One full training step (forward, loss, backward, Adam update) of the seed CNN through
/// the public model API, on the CPU: 28x28x1 (batch 64, the foundation issue's figure; batch 128 as
/// in the GPU comparison) and 64x64x3 (batch 32 here; the GPU comparison uses 256).</summary>
[MemoryDiagnoser]
public class SeedCnnStepBenchmarks
{
    [Params("28x28x1/b64", "28x28x1/b128", "64x64x3/b32")]
    public string Workload { get; set; } = "28x28x1/b64";

    private Sequential _model = null!;
    private Tensor _x = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (channels, size, batch) = Workload switch
        {
            "28x28x1/b64" => (1, 28, 64),
            "28x28x1/b128" => (1, 28, 128),
            _ => (3, 64, 32),
        };
        _model = SeedCnn.Build(channels, size, 10, seed: 1);
        _model.Compile(optimizer: "adam", loss: new Losses.SparseCategoricalCrossentropy(fromLogits: true));
        var rng = new Rng(2);
        _x = Tensor.RandomUniform(new Shape(batch, channels, size, size), rng);
        _y = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => i % 10).ToArray());
        _model.TrainOnBatch(_x, _y);
    }

    [Benchmark]
    public double TrainStep() => _model.TrainOnBatch(_x, _y)["loss"];

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();
}
