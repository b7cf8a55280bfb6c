using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The float32 conv backward levers of issue 16 item 2, each beside the composite it replaced:
/// the input gradient as dcol = Wᵀ·dY' (GEMM into a K×N·P buffer) then col2im (as first writer) vs the
/// transposed convolution straight into dx; the kernel gradient as im2col then dW = dY'·colᵀ vs implicit
/// im2col chunk by chunk. Shapes: ResNet-20's three stages (16, 32, 64 channels at 32×32, 16×16, 8×8;
/// 3×3 same, batch 32),
/// the seed CNN's conv2 (32→64, 13×13 → 11×11 valid, batch 64), conv3 (64→64, 5×5 → 3×3 valid:
/// the transposed convolution does 25/9 times the multiply-adds there) and its conv1 (1→32, 28×28 → 26×26,
/// batch 64; only the kernel gradient matters there, as the input needs none). Conv2D picks the faster
/// side per shape from these numbers (CpuConvGemm.PrefersInputGrad, CpuConvWeightGrad.Prefers).</summary>
[MemoryDiagnoser, MinColumn]
public class ConvBackwardBenchmarks
{
    public enum Layer { ResNetStage1, ResNetStage2, ResNetStage3, SeedConv2, SeedConv3, SeedConv1 }

    [Params(Layer.ResNetStage1, Layer.ResNetStage2, Layer.ResNetStage3, Layer.SeedConv2, Layer.SeedConv3, Layer.SeedConv1)]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _x = null!, _w = null!, _dyT = null!, _dx = null!, _dw = null!, _col = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, padding) = Shape switch
        {
            Layer.ResNetStage1 => (new Shape(32, 16, 32, 32), 16, "same"),
            Layer.ResNetStage2 => (new Shape(32, 32, 16, 16), 32, "same"),
            Layer.ResNetStage3 => (new Shape(32, 64, 8, 8), 64, "same"),
            Layer.SeedConv2 => (new Shape(64, 32, 13, 13), 64, "valid"),
            Layer.SeedConv3 => (new Shape(64, 64, 5, 5), 64, "valid"),
            _ => (new Shape(64, 1, 28, 28), 32, "valid"),
        };
        _g = Conv2DGeometry.Create(input, (3, 3), (1, 1), padding, filters: f);
        var rng = new Rng(9);
        _x = Tensor.RandomNormal(input, rng);
        _w = Tensor.RandomNormal(new Shape(f, input[1], 3, 3), rng);
        _dyT = Tensor.RandomNormal(new Shape(f, _g.N * _g.OH * _g.OW), rng);
        _dx = Tensor.Zeros(input);
        _dw = Tensor.Zeros(_w.Shape);
        _col = Tensor.Empty(new Shape(_g.ColumnRows, _g.N * _g.OH * _g.OW));
    }

    /// <summary>Before: dcol = Wᵀ · dY' into a K×N·P buffer, then col2im into dx as its first writer.</summary>
    [Benchmark]
    public void InputGradGemmThenCol2Im()
    {
        CpuGemm.Sgemm(true, false, _g.ColumnRows, _col.Shape[1], _g.F, 1, _w.Span<float>(), _dyT.Span<float>(), 0, _col.Span<float>());
        CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
    }

    /// <summary>After: the transposed convolution, panels unfolded from dY' and tiles written to dx.</summary>
    [Benchmark]
    public void InputGradTransposedConv() => CpuBackend.ConvInputGradFused(_w, _dyT, _g, _dx, assign: true);

    /// <summary>The transposed convolution with every panel unfolded by the general packer (CpuConvGemm.PackFromImage)
    /// instead of ConvPanelUnfold's per-panel segments.</summary>
    [Benchmark]
    public void InputGradTransposedConvGeneralPacker()
    {
        ConvPanelUnfold.Enabled = false;
        try { CpuBackend.ConvInputGradFused(_w, _dyT, _g, _dx, assign: true); }
        finally { ConvPanelUnfold.Enabled = true; }
    }

    /// <summary>Implicit-im2col kernel gradient with the general packer.</summary>
    [Benchmark]
    public void WeightGradFromImageGeneralPacker()
    {
        ConvPanelUnfold.Enabled = false;
        try { CpuBackend.ConvWeightGradFromImage(_dyT, _x, _g, _dw); }
        finally { ConvPanelUnfold.Enabled = true; }
    }

    /// <summary>Before: im2col of x, then dW += dY' · colᵀ (the shape-chosen orientation).</summary>
    [Benchmark]
    public void WeightGradIm2ColThenGemm()
    {
        CpuBackend.Im2ColFloat(_x, _col, _g);
        CpuBackend.ConvWeightGrad(_dyT, _col, _dw, _g.F, _g.ColumnRows, _col.Shape[1]);
    }

    /// <summary>After: implicit im2col chunk by chunk inside the weight-gradient GEMM.</summary>
    [Benchmark]
    public void WeightGradFromImage() => CpuBackend.ConvWeightGradFromImage(_dyT, _x, _g, _dw);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _dyT, _dx, _dw, _col }) t.Dispose();
    }
}
