using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Convolution forward and input gradient on ResNet-20's shapes at W4's batch (128) and the seed
/// CNN's (batch 64), and three of ResNet18's at W5's (64×64 input, batch 32), issue 16 item 2, session 7. Forward: the direct convolution (CpuDirectConv) and the
/// implicit-im2col GEMM (both the same bits). Input gradient: the transposed convolution on the GEMM
/// (CpuConvInputGrad), the same on the direct kernel (stride 1) and GEMM into dcol + col2im. The levers'
/// before/after pairs switch a path off through its internal toggle. No bias or ReLU on the ResNet shapes
/// (BatchNorm follows their convolutions), bias + ReLU on the seed CNN's.</summary>
[MemoryDiagnoser, MinColumn]
public class ConvForwardDxBenchmarks
{
    public enum Layer { R20Stem, R20Stage1, R20Stage2, R20Stage3, R20Entry2, R20Entry3, R20Shortcut2, R20Shortcut3, SeedConv1, SeedConv2, SeedConv3, R18Layer1, R18Layer2, R18Entry2, R18Layer3 }

    /// <summary>Every shape, or those named in FWD_SHAPES (comma-separated) to keep a run short.</summary>
    [ParamsSource(nameof(Shapes))]
    public Layer Shape { get; set; }

    public static IEnumerable<Layer> Shapes() =>
        Environment.GetEnvironmentVariable("FWD_SHAPES") is { Length: > 0 } names
            ? names.Split(',').Select(Enum.Parse<Layer>)
            : Enum.GetValues<Layer>();

    private Conv2DGeometry _g;
    private bool _seed;
    private Tensor _x = null!, _w = null!, _b = null!, _y = null!, _col = null!, _dyT = null!, _dx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, k, stride, padding) = Shape switch
        {
            Layer.R20Stem => (new Shape(128, 3, 32, 32), 16, 3, 1, "same"),
            Layer.R20Stage1 => (new Shape(128, 16, 32, 32), 16, 3, 1, "same"),
            Layer.R20Stage2 => (new Shape(128, 32, 16, 16), 32, 3, 1, "same"),
            Layer.R20Stage3 => (new Shape(128, 64, 8, 8), 64, 3, 1, "same"),
            Layer.R20Entry2 => (new Shape(128, 16, 32, 32), 32, 3, 2, "same"),
            Layer.R20Entry3 => (new Shape(128, 32, 16, 16), 64, 3, 2, "same"),
            Layer.R20Shortcut2 => (new Shape(128, 16, 32, 32), 32, 1, 2, "valid"),
            Layer.R20Shortcut3 => (new Shape(128, 32, 16, 16), 64, 1, 2, "valid"),
            Layer.SeedConv1 => (new Shape(64, 1, 28, 28), 32, 3, 1, "valid"),
            Layer.SeedConv2 => (new Shape(64, 32, 13, 13), 64, 3, 1, "valid"),
            Layer.SeedConv3 => (new Shape(64, 64, 5, 5), 64, 3, 1, "valid"),
            Layer.R18Layer1 => (new Shape(32, 64, 16, 16), 64, 3, 1, "same"),
            Layer.R18Layer2 => (new Shape(32, 128, 8, 8), 128, 3, 1, "same"),
            Layer.R18Entry2 => (new Shape(32, 64, 16, 16), 128, 3, 2, "same"),
            _ => (new Shape(32, 256, 4, 4), 256, 3, 1, "same"),
        };
        _seed = Shape is Layer.SeedConv1 or Layer.SeedConv2 or Layer.SeedConv3;
        _g = Conv2DGeometry.Create(input, (k, k), (stride, stride), padding, filters: f);
        var rng = new Rng(9);
        var columns = _g.N * _g.OH * _g.OW;
        _x = Tensor.RandomNormal(input, rng);
        _w = Tensor.RandomNormal(new Shape(f, input[1], k, k), rng);
        _b = Tensor.RandomNormal(new Shape(f), rng);
        _y = Tensor.Empty(new Shape(_g.N, f, _g.OH, _g.OW));
        _col = Tensor.Empty(new Shape(_g.ColumnRows, columns));
        _dyT = Tensor.RandomNormal(new Shape(f, columns), rng);
        _dx = Tensor.Zeros(input);
    }

    private ReadOnlySpan<float> Bias => _seed ? _b.Span<float>() : default;

    /// <summary>The direct convolution forward.</summary>
    [Benchmark(Baseline = true)]
    public void ForwardDirect() => CpuDirectConv.Forward(_w.Span<float>(), _x.Span<float>(), _g, Bias, _y.Span<float>(), relu: _seed);

    /// <summary>Lever a (before): the direct forward with its phase planes filled by the plain loop
    /// (Memmove per row for stride 1, a scalar gather for stride 2).</summary>
    [Benchmark]
    public void ForwardDirectPlainFill()
    {
        PhasePlaneFill.Vectorized = false;
        try { ForwardDirect(); }
        finally { PhasePlaneFill.Vectorized = true; }
    }

    /// <summary>The implicit-im2col GEMM forward.</summary>
    [Benchmark]
    public void ForwardGemm() => CpuConvGemm.ForwardFromImage(_w.Span<float>(), _x.Span<float>(), _g, Bias, _y.Span<float>(), _g.F, relu: _seed);

    /// <summary>Lever c (before): the implicit GEMM forward with 'same' panels packed in row runs
    /// (ConvPanelUnfold.DenseEnabled off).</summary>
    [Benchmark]
    public void ForwardGemmRowRuns()
    {
        ConvPanelUnfold.DenseEnabled = false;
        try { ForwardGemm(); }
        finally { ConvPanelUnfold.DenseEnabled = true; }
    }

    /// <summary>Lever c (before): the transposed-convolution input gradient with row-run panels.</summary>
    [Benchmark]
    public void InputGradTransposedRowRuns()
    {
        ConvPanelUnfold.DenseEnabled = false;
        try { InputGradTransposed(); }
        finally { ConvPanelUnfold.DenseEnabled = true; }
    }

    /// <summary>The input gradient as transposed convolutions on the GEMM kernel.</summary>
    [Benchmark]
    public void InputGradTransposed()
    {
        if (CpuConvGemm.HasInputGrad(_g)) CpuConvGemm.InputGrad<Avx512GemmKernel>(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true);
    }

    /// <summary>The stride-1 input gradient on the direct kernel (other strides skip it).</summary>
    [Benchmark]
    public void InputGradDirect()
    {
        if (_g.SH == 1 && _g.SW == 1) CpuDirectConv.InputGrad(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true);
    }

    /// <summary>GEMM into dcol, then col2im as dx's first writer.</summary>
    [Benchmark]
    public void InputGradCol()
    {
        CpuGemm.Sgemm(true, false, _g.ColumnRows, _col.Shape[1], _g.F, 1, _w.Span<float>(), _dyT.Span<float>(), 0, _col.Span<float>());
        CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
    }

    /// <summary>Multiply-adds ×2 of the layer (for GFLOP/s).</summary>
    public double Flops => 2.0 * _g.F * _g.ColumnRows * _g.OH * _g.OW * _g.N;

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _b, _y, _col, _dyT, _dx }) t.Dispose();
    }
}
