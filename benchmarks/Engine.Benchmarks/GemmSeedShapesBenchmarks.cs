using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The GEMMs of one seed-CNN training step at batch 64 (28×28×1): the input gradients of
/// conv2 and conv3, which go through GEMM + col2im (k = 64 filters, a tall thin product), and the
/// dense layers' forward and backward, on one and on two threads. A control with the conv2 shape
/// cut to 1024 columns tells the cost of the large C apart from the cost of the short k.</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class GemmSeedShapesBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GflopsColumn());
            SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(40);
        }
    }

    public static IEnumerable<GemmShape> Shapes =>
    [
        new(288, 7744, 64, TransA: true, Note: "conv2 dX"),
        new(288, 1024, 64, TransA: true, Note: "control"),
        new(576, 576, 64, TransA: true, Note: "conv3 dX"),
        new(64, 64, 576, Note: "dense fwd"),
        new(576, 64, 64, TransA: true, Note: "dense dW"),
        new(64, 576, 64, TransB: true, Note: "dense dX"),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes.First();

    [Params(1, 2)]
    public int Threads { get; set; }

    private Tensor _a = null!, _b = null!, _c = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        var s = Shape;
        _a = Tensor.RandomNormal(s.TransA ? new Shape(s.K, s.M) : new Shape(s.M, s.K), rng);
        _b = Tensor.RandomNormal(s.TransB ? new Shape(s.N, s.K) : new Shape(s.K, s.N), rng);
        _c = Tensor.Zeros(new Shape(s.M, s.N));
        CpuParallel.ThreadLimit = Threads;
    }

    [GlobalCleanup]
    public void Cleanup() => CpuParallel.ThreadLimit = null;

    [Benchmark]
    public void Gemm() => CpuBackend.Instance.Gemm(Shape.TransA, Shape.TransB, Shape.M, Shape.N, Shape.K, 1, _a, _b, 0, _c);
}
