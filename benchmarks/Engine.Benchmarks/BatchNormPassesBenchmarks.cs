using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Benchmarks.Baselines;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The float32 batch-norm training passes (fused with ReLU, as ResNets run most of them), session 6's
/// kernel (one channel per work item, plane by plane, a horizontal sum per plane; frozen in
/// <see cref="BatchNormFloatSession6"/>) against today's (groups of channels walked image by image in ≥ 8 KB
/// runs, accumulators across planes, prefetch), on ResNet-20's three stages at batch 128 (W4) and
/// ResNet18-64's layer1 and layer3 at batch 32 (W5).</summary>
[MemoryDiagnoser]
public class BatchNormPassesBenchmarks
{
    [Params("W4S1", "W4S2", "W4S3", "W5L1", "W5L3")]
    public string Shape { get; set; } = "W4S1";

    private int _n, _c, _hw;
    private Tensor _x = null!, _y = null!, _dy = null!, _dx = null!;
    private Tensor _gamma = null!, _beta = null!, _mean = null!, _invStd = null!, _runMean = null!, _runVar = null!, _dgamma = null!, _dbeta = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_n, _c, _hw) = BatchNormProbe.Of(Shape);
        var rng = new Rng(8);
        _x = Tensor.RandomNormal(new Shape(_n, _c, _hw), rng);
        _dy = Tensor.RandomNormal(_x.Shape, rng);
        (_y, _dx) = (Tensor.Empty(_x.Shape), Tensor.Empty(_x.Shape));
        (_gamma, _beta) = (Tensor.Full(new Shape(_c), 1), Tensor.Full(new Shape(_c), 0.1));
        (_mean, _invStd, _runMean, _runVar) = (Tensor.Empty(new Shape(_c)), Tensor.Empty(new Shape(_c)), Tensor.Zeros(new Shape(_c)), Tensor.Full(new Shape(_c), 1));
        (_dgamma, _dbeta) = (Tensor.Zeros(new Shape(_c)), Tensor.Zeros(new Shape(_c)));
        Forward();
    }

    [Benchmark(Baseline = true)]
    public void ForwardSession6() =>
        CpuParallel.ForEachPlane(_c, (long)_n * _hw, this, static (s, ch) => BatchNormFloatSession6.ForwardRelu(s._x.Span<float>(), s._gamma.Span<float>(),
            s._beta.Span<float>(), s._y.Span<float>(), s._mean.Span<float>(), s._invStd.Span<float>(), s._runMean.Span<float>(), s._runVar.Span<float>(),
            s._n, s._c, s._hw, ch, 0.99, 1e-3));

    [Benchmark]
    public void Forward() =>
        CpuBackend.BatchNormForwardFloat(_x, _gamma, _beta, _y, _mean, _invStd, _runMean, _runVar, _n, _c, _hw, 0.99, 1e-3, relu: true);

    [Benchmark]
    public void BackwardSession6() =>
        CpuParallel.ForEachPlane(_c, (long)_n * _hw, this, static (s, ch) => BatchNormFloatSession6.BackwardRelu(s._x.Span<float>(), s._dy.Span<float>(),
            s._gamma.Span<float>(), s._beta.Span<float>(), s._mean.Span<float>(), s._invStd.Span<float>(), s._dx.Span<float>(), s._dgamma.Span<float>(),
            s._dbeta.Span<float>(), s._n, s._c, s._hw, ch, assign: true));

    [Benchmark]
    public void Backward() =>
        CpuBackend.BatchNormReluBackwardFloat(_x, _dy, _gamma, _beta, _mean, _invStd, _dx, _dgamma, _dbeta, _n, _c, _hw, assign: true);
}
