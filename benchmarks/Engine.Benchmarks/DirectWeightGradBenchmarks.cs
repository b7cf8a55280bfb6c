using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The conv kernel gradient (dW, float32) per layer shape: the implicit-im2col GEMM
/// (CpuConvWeightGrad: 256-column chunks unfolded by ConvPanelUnfold, then packed for the GEMM kernel)
/// vs the direct kernel (CpuDirectWeightGrad: phase planes, dot products along positions, no packing).
/// Shapes: ResNet-20 (W4, batch 128) stage 1/2/3 3×3 'same', its stride-2 entries and 1×1 stride-2
/// shortcuts; ResNet18 64×64 (W5, batch 32): the 7×7 s2 stem, 64..512-channel 3×3 layers at
/// 16×16..2×2, a stride-2 entry and a shortcut; the seed CNN's three 'valid' convs (W1, batch 64).
/// Shapes with K &gt; 4096 have no GEMM side here (Conv2D runs explicit im2col + GEMM for them).</summary>
[MemoryDiagnoser, MinColumn]
public class DirectWeightGradBenchmarks
{
    public enum Layer
    {
        R20S1, R20S2, R20S3, R20Entry2, R20Entry3, R20Short2, R20Short3,
        R18Stem, R18L1, R18L2, R18L3, R18L4, R18Entry3, R18Short4,
        SeedConv1, SeedConv2, SeedConv3,
        R18Short2, R18Short3, // probe only (not in the BenchmarkDotNet parameters)
    }

    [Params(Layer.R20S1, Layer.R20S2, Layer.R20S3, Layer.R20Entry2, Layer.R20Entry3, Layer.R20Short2, Layer.R20Short3,
        Layer.R18Stem, Layer.R18L1, Layer.R18L2, Layer.R18L3, Layer.R18L4, Layer.R18Entry3, Layer.R18Short4,
        Layer.SeedConv1, Layer.SeedConv2, Layer.SeedConv3)]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _x = null!, _dyT = null!, _dw = null!;

    /// <summary>(input NCHW, filters, kernel, stride, padding) of each layer.</summary>
    internal static (Shape Input, int F, int K, int S, string Padding) Of(Layer layer) => layer switch
    {
        Layer.R20S1 => (new Shape(128, 16, 32, 32), 16, 3, 1, "same"),
        Layer.R20S2 => (new Shape(128, 32, 16, 16), 32, 3, 1, "same"),
        Layer.R20S3 => (new Shape(128, 64, 8, 8), 64, 3, 1, "same"),
        Layer.R20Entry2 => (new Shape(128, 16, 32, 32), 32, 3, 2, "same"),
        Layer.R20Entry3 => (new Shape(128, 32, 16, 16), 64, 3, 2, "same"),
        Layer.R20Short2 => (new Shape(128, 16, 32, 32), 32, 1, 2, "same"),
        Layer.R20Short3 => (new Shape(128, 32, 16, 16), 64, 1, 2, "same"),
        Layer.R18Stem => (new Shape(32, 3, 70, 70), 64, 7, 2, "valid"),
        Layer.R18L1 => (new Shape(32, 64, 16, 16), 64, 3, 1, "same"),
        Layer.R18L2 => (new Shape(32, 128, 8, 8), 128, 3, 1, "same"),
        Layer.R18L3 => (new Shape(32, 256, 4, 4), 256, 3, 1, "same"),
        Layer.R18L4 => (new Shape(32, 512, 2, 2), 512, 3, 1, "same"),
        Layer.R18Entry3 => (new Shape(32, 128, 8, 8), 256, 3, 2, "same"),
        Layer.R18Short4 => (new Shape(32, 256, 4, 4), 512, 1, 2, "same"),
        Layer.R18Short2 => (new Shape(32, 64, 16, 16), 128, 1, 2, "same"),
        Layer.R18Short3 => (new Shape(32, 128, 8, 8), 256, 1, 2, "same"),
        Layer.SeedConv1 => (new Shape(64, 1, 28, 28), 32, 3, 1, "valid"),
        Layer.SeedConv2 => (new Shape(64, 32, 13, 13), 64, 3, 1, "valid"),
        _ => (new Shape(64, 64, 5, 5), 64, 3, 1, "valid"),
    };

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, k, s, padding) = Of(Shape);
        _g = Conv2DGeometry.Create(input, (k, k), (s, s), padding, filters: f);
        var rng = new Rng(9);
        _x = Tensor.RandomNormal(input, rng);
        _dyT = Tensor.RandomNormal(new Shape(f, _g.N * _g.OH * _g.OW), rng);
        _dw = Tensor.Zeros(new Shape(f, _g.ColumnRows));
    }

    /// <summary>Before: implicit im2col chunks + GEMM (K ≤ 4096 only).</summary>
    [Benchmark(Baseline = true)]
    public void Gemm()
    {
        if (_g.ColumnRows > CpuConvGemm.MaxK) return;
        CpuConvWeightGrad.DirectEnabled = false;
        try { CpuBackend.ConvWeightGradFromImage(_dyT, _x, _g, _dw); }
        finally { CpuConvWeightGrad.DirectEnabled = true; }
    }

    /// <summary>After: the direct kernel.</summary>
    [Benchmark]
    public void Direct() => CpuDirectWeightGrad.Run(_dyT.Span<float>(), _x.Span<float>(), _g, _dw.Span<float>());

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _dyT, _dw }) t.Dispose();
    }
}
