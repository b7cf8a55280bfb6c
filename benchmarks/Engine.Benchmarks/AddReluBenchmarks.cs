using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The residual join relu(a + b), forward and backward, composite (add then ReLU; ReLU's backward
/// and add's as their gradients' first writers, as the tape ran them before) against the fused op, on
/// ResNet-20's first stage at batch 128 (W4) and ResNet18-64's layer1 at batch 32 (W5).</summary>
[MemoryDiagnoser]
public class AddReluBenchmarks
{
    [Params("W4-stage1", "W5-layer1")]
    public string Shape { get; set; } = "W4-stage1";

    private readonly CpuBackend _be = CpuBackend.Instance;
    private int _size;
    private Tensor _a = null!, _b = null!, _sum = null!, _y = null!, _dy = null!, _dz = null!, _da = null!, _db = null!;

    [GlobalSetup]
    public void Setup()
    {
        var shape = Shape == "W4-stage1" ? new Shape(128, 16, 32, 32) : new Shape(32, 64, 16, 16);
        _size = shape.Product(0, 4);
        var rng = new Rng(8);
        (_a, _b, _dy) = (Tensor.RandomNormal(shape, rng), Tensor.RandomNormal(shape, rng), Tensor.RandomNormal(shape, rng));
        (_sum, _y, _dz, _da, _db) = (Tensor.Empty(shape), Tensor.Empty(shape), Tensor.Empty(shape), Tensor.Empty(shape), Tensor.Empty(shape));
        _be.AddReluForward(_a, _b, _y, _size);
        _be.ElementwiseForward(ElementwiseOps.Add, _a, _b, _sum, _size);
    }

    [Benchmark(Baseline = true)]
    public void CompositeForward()
    {
        _be.ElementwiseForward(ElementwiseOps.Add, _a, _b, _sum, _size);
        _be.ElementwiseForward(ElementwiseOps.Relu, _sum, null, _y, _size);
    }

    [Benchmark]
    public void FusedForward() => _be.AddReluForward(_a, _b, _y, _size);

    [Benchmark]
    public void CompositeBackward()
    {
        CpuBackend.WriteOnceBackward(ElementwiseOps.Relu, _sum, _dy, _dz, true, null, false, _size);
        CpuBackend.WriteOnceBackward(ElementwiseOps.Add, null, _dz, _da, true, _db, true, _size);
    }

    [Benchmark]
    public void FusedBackward() => CpuBackend.AddReluBackwardFloat(_y, _dy, _da, true, _db, true, _size);
}
