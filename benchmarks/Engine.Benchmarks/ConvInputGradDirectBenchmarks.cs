using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The stride-1 conv input gradient three ways, for the helper that owns conv backward: dcol =
/// Wᵀ·dY' then col2im (what Conv2D runs on rows &lt; 24), the transposed convolution on the implicit-im2col
/// GEMM (CpuConvGemm.InputGrad, rows ≥ 24), and the same transposed convolution on the direct kernel
/// (CpuDirectConv.InputGrad: bitwise equal to the GEMM one). dx is written as its first writer.
/// Shapes: ResNet-20's three stages (batch 32) and the seed CNN's conv2 (batch 64).</summary>
[MemoryDiagnoser, MinColumn]
public class ConvInputGradDirectBenchmarks
{
    public enum Layer { ResNetStage1, ResNetStage2, ResNetStage3, SeedConv2 }

    [ParamsAllValues]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _w = null!, _dyT = null!, _dx = null!, _col = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, padding) = Shape switch
        {
            Layer.ResNetStage1 => (new Shape(32, 16, 32, 32), 16, "same"),
            Layer.ResNetStage2 => (new Shape(32, 32, 16, 16), 32, "same"),
            Layer.ResNetStage3 => (new Shape(32, 64, 8, 8), 64, "same"),
            _ => (new Shape(64, 32, 13, 13), 64, "valid"),
        };
        _g = Conv2DGeometry.Create(input, (3, 3), (1, 1), padding, filters: f);
        var rng = new Rng(9);
        _w = Tensor.RandomNormal(new Shape(f, input[1], 3, 3), rng);
        _dyT = Tensor.RandomNormal(new Shape(f, _g.N * _g.OH * _g.OW), rng);
        _dx = Tensor.Zeros(input);
        _col = Tensor.Empty(new Shape(_g.ColumnRows, _g.N * _g.OH * _g.OW));
    }

    [Benchmark(Baseline = true)]
    public void GemmThenCol2Im()
    {
        CpuGemm.Sgemm(true, false, _g.ColumnRows, _col.Shape[1], _g.F, 1, _w.Span<float>(), _dyT.Span<float>(), 0, _col.Span<float>());
        CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
    }

    [Benchmark]
    public void TransposedOnGemm() => CpuConvGemm.InputGrad(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true);

    [Benchmark]
    public void TransposedDirect() => CpuDirectConv.InputGrad(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _w, _dyT, _dx, _col }) t.Dispose();
    }
}
