using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The blocked float32 GEMM against the plain triple loop it replaced (CpuBackend.GemmReference),
/// on sizes where the triple loop still finishes quickly: a square one, and the im2col GEMM of a 3×3
/// convolution from 3 to 32 channels over one 64×64 image.</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class GemmVsNaiveBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }

    public static IEnumerable<GemmShape> Shapes =>
    [
        new(256, 256, 256),
        new(32, 3844, 27, Note: "conv fwd"),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes.First();

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _a = Tensor.RandomNormal(new Shape(Shape.M * Shape.K), rng).ToArray<float>();
        _b = Tensor.RandomNormal(new Shape(Shape.K * Shape.N), rng).ToArray<float>();
        _c = new float[Shape.M * Shape.N];
    }

    [Benchmark(Baseline = true)]
    public void Naive() => CpuBackend.GemmReference<float>(false, false, Shape.M, Shape.N, Shape.K, 1, _a, _b, 0, _c);

    [Benchmark]
    public void Blocked() => CpuGemm.Sgemm(false, false, Shape.M, Shape.N, Shape.K, 1, _a, _b, 0, _c);
}
