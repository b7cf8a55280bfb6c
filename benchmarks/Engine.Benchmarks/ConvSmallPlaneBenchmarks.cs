using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Convolutions on small planes (issue 16 item 2, session 6): ResNet18 at 64×64 (W5, batch 32)
/// has 256 channels at 4×4 and 512 at 2×2, i.e. 512 and 128 GEMM columns, so the conv GEMM loops'
/// split (4 column panels per item) left one core idle or the whole layer on one thread; and its
/// 512-channel 3×3 layers (k = 4608) were above the fused forward's old k limit (4096), so they ran
/// explicit im2col + GEMM + transpose (still: one pass over k = 4608 lost 1.3–1.5× to it). Before/after pairs:
/// - Forward: before = what Conv2D ran (k &gt; 4096: im2col + CpuGemm + transpose; else the fused GEMM with
///   the old split and the general packer, or the direct kernel); after = with ConvPanelWork's split and
///   stride-1 panels packed by ConvPanelUnfold (GeneralPacker: the split alone); Explicit: the composite
///   on any k (how k = 4608 runs).
/// - Input gradient: GEMM into dcol + col2im as dx's first writer (what these layers run), against the
///   transposed convolution (CpuConvInputGrad) with the old and the new split.
/// Shapes: ResNet18 layer3 (256→256, 3×3, 4×4), layer4 (512→512, 2×2), the stride-2 entries into them
/// (128→256 8×8→4×4, 256→512 4×4→2×2) and layer4's 1×1 stride-2 shortcut; ResNet-20 stage 3
/// (64→64, 8×8, batch 128); the seed CNN's conv3 (64→64, 5×5 → 3×3 valid, batch 64).</summary>
[MemoryDiagnoser, MinColumn]
public class ConvSmallPlaneBenchmarks
{
    public enum Layer { R18Layer3, R18Layer4, R18Entry3, R18Entry4, R18Shortcut4, R20Stage3, SeedConv3 }

    [ParamsAllValues]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _x = null!, _w = null!, _y = null!, _col = null!, _yT = null!, _dyT = null!, _dx = null!;
    private readonly CpuBackend _backend = CpuBackend.Instance;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, k, stride, padding) = Shape switch
        {
            Layer.R18Layer3 => (new Shape(32, 256, 4, 4), 256, 3, 1, "same"),
            Layer.R18Layer4 => (new Shape(32, 512, 2, 2), 512, 3, 1, "same"),
            Layer.R18Entry3 => (new Shape(32, 128, 8, 8), 256, 3, 2, "same"),
            Layer.R18Entry4 => (new Shape(32, 256, 4, 4), 512, 3, 2, "same"),
            Layer.R18Shortcut4 => (new Shape(32, 256, 4, 4), 512, 1, 2, "valid"),
            Layer.R20Stage3 => (new Shape(128, 64, 8, 8), 64, 3, 1, "same"),
            _ => (new Shape(64, 64, 5, 5), 64, 3, 1, "valid"),
        };
        _g = Conv2DGeometry.Create(input, (k, k), (stride, stride), padding, filters: f);
        var rng = new Rng(9);
        var columns = _g.N * _g.OH * _g.OW;
        _x = Tensor.RandomNormal(input, rng);
        _w = Tensor.RandomNormal(new Shape(f, input[1], k, k), rng);
        _y = Tensor.Empty(new Shape(_g.N, f, _g.OH, _g.OW));
        _col = Tensor.Empty(new Shape(_g.ColumnRows, columns));
        _yT = Tensor.Empty(new Shape(f, columns));
        _dyT = Tensor.RandomNormal(new Shape(f, columns), rng);
        _dx = Tensor.Zeros(input);
    }

    /// <summary>Before: what Conv2D's forward ran on this shape.</summary>
    [Benchmark(Baseline = true)]
    public void ForwardBefore()
    {
        if (_g.ColumnRows > 4096)
        {
            _backend.Im2Col(_x, _col, _g);
            CpuGemm.Sgemm(false, false, _g.F, _col.Shape[1], _g.ColumnRows, 1, _w.Span<float>(), _col.Span<float>(), 0, _yT.Span<float>());
            _backend.Transpose01(_yT, _y, _g.F, _g.N, _g.OH * _g.OW);
            return;
        }
        (ConvPanelWork.Fine, ConvPanelUnfold.Enabled) = (false, false);
        try { CpuBackend.ConvForwardFused(_w, _x, _g, null, _y, relu: false); }
        finally { (ConvPanelWork.Fine, ConvPanelUnfold.Enabled) = (true, true); }
    }

    /// <summary>The new split, with the forward's panels packed by the general packer (PackFromImage) as
    /// before: the split's share of ForwardBefore → ForwardAfter.</summary>
    [Benchmark]
    public void ForwardGeneralPacker()
    {
        ConvPanelUnfold.Enabled = false;
        try { ForwardAfter(); }
        finally { ConvPanelUnfold.Enabled = true; }
    }

    /// <summary>After: the fused forward with the finer split and ConvPanelUnfold's packer (k &gt; 4096 stays explicit).</summary>
    [Benchmark]
    public void ForwardAfter()
    {
        if (_g.ColumnRows > CpuConvGemm.MaxK) ForwardExplicit();
        else CpuBackend.ConvForwardFused(_w, _x, _g, null, _y, relu: false);
    }

    /// <summary>The explicit composite on any k: im2col, CpuGemm (blocked for cache), transpose to NCHW.</summary>
    [Benchmark]
    public void ForwardExplicit()
    {
        _backend.Im2Col(_x, _col, _g);
        CpuGemm.Sgemm(false, false, _g.F, _col.Shape[1], _g.ColumnRows, 1, _w.Span<float>(), _col.Span<float>(), 0, _yT.Span<float>());
        _backend.Transpose01(_yT, _y, _g.F, _g.N, _g.OH * _g.OW);
    }

    /// <summary>The input gradient these layers ran: dcol = Wᵀ · dY', then col2im as dx's first writer.</summary>
    [Benchmark]
    public void InputGradCol()
    {
        CpuGemm.Sgemm(true, false, _g.ColumnRows, _col.Shape[1], _g.F, 1, _w.Span<float>(), _dyT.Span<float>(), 0, _col.Span<float>());
        CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
    }

    /// <summary>The transposed convolution (CpuConvInputGrad, one per stride phase) with the old split.</summary>
    [Benchmark]
    public void InputGradTransposedOldSplit()
    {
        ConvPanelWork.Fine = false;
        try { CpuConvGemm.InputGrad<Avx512GemmKernel>(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true); }
        finally { ConvPanelWork.Fine = true; }
    }

    /// <summary>The same with ConvPanelWork's split.</summary>
    [Benchmark]
    public void InputGradTransposed() =>
        CpuConvGemm.InputGrad<Avx512GemmKernel>(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _y, _col, _yT, _dyT, _dx }) t.Dispose();
    }
}
