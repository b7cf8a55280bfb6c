using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>One BN → ReLU pair's training forward + backward, composite (what ran before: batch norm's
/// forward, ReLU's forward; ReLU's backward as its gradient's first writer, batch norm's backward as dx's
/// first writer) against the fused op (one forward pass that writes y once; a backward that recomputes
/// the ReLU mask from x), on ResNet-20's first stage at batch 128 (W4) and ResNet18-64's layer1 at batch 32 (W5).</summary>
[MemoryDiagnoser]
public class BatchNormReluBenchmarks
{
    [Params("W4-stage1", "W5-layer1")]
    public string Shape { get; set; } = "W4-stage1";

    private readonly CpuBackend _be = CpuBackend.Instance;
    private int _n, _c, _hw, _size;
    private Tensor _x = null!, _bn = null!, _y = null!, _dy = null!, _dz = null!, _dx = null!;
    private Tensor _gamma = null!, _beta = null!, _mean = null!, _invStd = null!, _runMean = null!, _runVar = null!, _dgamma = null!, _dbeta = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_n, _c, _hw) = Shape == "W4-stage1" ? (128, 16, 32 * 32) : (32, 64, 16 * 16);
        _size = _n * _c * _hw;
        var rng = new Rng(8);
        _x = Tensor.RandomNormal(new Shape(_n, _c, _hw), rng);
        _dy = Tensor.RandomNormal(_x.Shape, rng);
        (_bn, _y, _dz, _dx) = (Tensor.Empty(_x.Shape), Tensor.Empty(_x.Shape), Tensor.Empty(_x.Shape), Tensor.Empty(_x.Shape));
        (_gamma, _beta) = (Tensor.Full(new Shape(_c), 1), Tensor.Full(new Shape(_c), 0.1));
        (_mean, _invStd, _runMean, _runVar) = (Tensor.Empty(new Shape(_c)), Tensor.Empty(new Shape(_c)), Tensor.Zeros(new Shape(_c)), Tensor.Full(new Shape(_c), 1));
        (_dgamma, _dbeta) = (Tensor.Zeros(new Shape(_c)), Tensor.Zeros(new Shape(_c)));
    }

    [Benchmark(Baseline = true)]
    public void CompositeForward()
    {
        _be.BatchNormForwardTraining(_x, _gamma, _beta, _bn, _mean, _invStd, _runMean, _runVar, _n, _c, _hw, 0.99, 1e-3);
        _be.ElementwiseForward(ElementwiseOps.Relu, _bn, null, _y, _size);
    }

    [Benchmark]
    public void FusedForward() =>
        _be.BatchNormReluForwardTraining(_x, _gamma, _beta, _y, _mean, _invStd, _runMean, _runVar, _n, _c, _hw, 0.99, 1e-3);

    [Benchmark]
    public void CompositeBackward()
    {
        CpuBackend.WriteOnceBackward(ElementwiseOps.Relu, _bn, _dy, _dz, true, null, false, _size);
        CpuBackend.BatchNormBackwardFloat(_x, _dz, _gamma, _mean, _invStd, _dx, _dgamma, _dbeta, _n, _c, _hw, assign: true);
    }

    [Benchmark]
    public void FusedBackward() =>
        CpuBackend.BatchNormReluBackwardFloat(_x, _dy, _gamma, _beta, _mean, _invStd, _dx, _dgamma, _dbeta, _n, _c, _hw, assign: true);
}
