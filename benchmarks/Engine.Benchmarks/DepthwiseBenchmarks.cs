using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The float32 row-vector depthwise loops (CpuBackend.DepthwiseFloat.cs) against the plain
/// loops they replace for column stride 1, on a MobileNetV2-sized layer: batch 8, 96 channels,
/// 56×56, 3×3, stride 1, 'same' (padding 1).</summary>
[MemoryDiagnoser]
public class DepthwiseBenchmarks
{
    private const int N = 8, C = 96, H = 56, W = 56, K = 3, P = 1;

    private static readonly Conv2DGeometry Geometry = new()
    {
        N = N, C = C, F = C, Groups = C, H = H, W = W, KH = K, KW = K, SH = 1, SW = 1, PH = P, PW = P, DH = 1, DW = 1, OH = H, OW = W,
    };

    private Tensor _x = null!, _filt = null!, _y = null!, _dy = null!, _dx = null!, _df = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _x = Tensor.RandomNormal(new Shape(N, C, H, W), rng);
        _filt = Tensor.RandomNormal(new Shape(C, 1, K, K), rng);
        _y = Tensor.Zeros(new Shape(N, C, H, W));
        _dy = Tensor.RandomNormal(new Shape(N, C, H, W), rng);
        _dx = Tensor.Zeros(new Shape(N, C, H, W));
        _df = Tensor.Zeros(new Shape(C, 1, K, K));
    }

    [Benchmark(Baseline = true)]
    public void ForwardPlain() => CpuBackend.Depthwise<float>(_x, _filt, _y, Geometry);

    [Benchmark]
    public void ForwardRows() => CpuBackend.DepthwiseRowsFloat(_x, _filt, _y, Geometry);

    [Benchmark]
    public void InputGradPlain() => CpuBackend.DepthwiseGradInput<float>(_dy, _filt, _dx, Geometry);

    [Benchmark]
    public void InputGradRows() => CpuBackend.DepthwiseGradInputRowsFloat(_dy, _filt, _dx, Geometry);

    [Benchmark]
    public void FilterGradPlain() => CpuBackend.DepthwiseGradFilter<float>(_x, _dy, _df, Geometry);

    [Benchmark]
    public void FilterGradRows() => CpuBackend.DepthwiseGradFilterRowsFloat(_x, _dy, _df, Geometry);
}
