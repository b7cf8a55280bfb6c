using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Float32 GEMM on the CPU backend (the blocked, SIMD, multi-threaded kernel): square sizes,
/// and the im2col shapes of a CNN's convolution (3×3, 32 → 64 channels, 7744 output pixels: forward,
/// weight gradient, input gradient) and of a dense layer (12544 → 128, batch 32).</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }

    public static IEnumerable<GemmShape> Shapes =>
    [
        new(1024, 1024, 1024),
        new(256, 256, 256),
        new(64, 7744, 288, Note: "conv fwd"),
        new(64, 288, 7744, TransB: true, Note: "conv dW"),
        new(288, 7744, 64, TransA: true, Note: "conv dX"),
        new(32, 128, 12544, Note: "dense fwd"),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes.First();

    private Tensor _a = null!, _b = null!, _c = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        var s = Shape;
        _a = Tensor.RandomNormal(s.TransA ? new Shape(s.K, s.M) : new Shape(s.M, s.K), rng);
        _b = Tensor.RandomNormal(s.TransB ? new Shape(s.N, s.K) : new Shape(s.K, s.N), rng);
        _c = Tensor.Zeros(new Shape(s.M, s.N));
    }

    [Benchmark]
    public void Gemm() => CpuBackend.Instance.Gemm(Shape.TransA, Shape.TransB, Shape.M, Shape.N, Shape.K, 1, _a, _b, 0, _c);
}
