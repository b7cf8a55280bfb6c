using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Convolutions on small planes as per-tap GEMMs that skip the padding (ConvTapGemm, issue 16,
/// session 7) against what Conv2D ran before on each shape:
/// - forward: the fused implicit GEMM / direct kernel (k ≤ 4096), else explicit im2col + CpuGemm + transpose;
/// - input gradient: the transposed convolution where CpuConvGemm.PrefersInputGrad, else dcol GEMM + col2im
///   as dx's first writer;
/// - weight gradient: CpuConvWeightGrad's implicit dW where it applies, else CpuGemm on col.
/// Shapes: ResNet18 at 64×64, batch 32 (W5): layer3 (256→256, 3×3, 4×4), layer4 (512→512, 2×2, k = 4608), the
/// stride-2 entries (128→256 8×8→4×4, 256→512 4×4→2×2), the 1×1 stride-2 shortcuts, layer2 (128→128, 8×8);
/// ResNet-20 stage 3 (64→64, 8×8, batch 128: W4) and its entry (32→64, 16×16→8×8).</summary>
[MemoryDiagnoser, MinColumn]
public class ConvTapGemmBenchmarks
{
    public enum Layer { R18Layer3, R18Layer4, R18Entry3, R18Entry4, R18Shortcut3, R18Shortcut4, R18Layer2, R20Stage3, R20Entry3 }

    /// <summary>BenchmarkDotNet runs W5's small-plane layers; tap-ab runs every shape.</summary>
    [Params(Layer.R18Layer3, Layer.R18Layer4, Layer.R18Entry3, Layer.R18Entry4, Layer.R18Shortcut4)]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _x = null!, _w = null!, _y = null!, _dyT = null!, _dx = null!, _dw = null!, _col = null!;
    private readonly CpuBackend _backend = CpuBackend.Instance;

    internal Conv2DGeometry Geometry => _g;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, k, stride) = Shape switch
        {
            Layer.R18Layer3 => (new Shape(32, 256, 4, 4), 256, 3, 1),
            Layer.R18Layer4 => (new Shape(32, 512, 2, 2), 512, 3, 1),
            Layer.R18Entry3 => (new Shape(32, 128, 8, 8), 256, 3, 2),
            Layer.R18Entry4 => (new Shape(32, 256, 4, 4), 512, 3, 2),
            Layer.R18Shortcut3 => (new Shape(32, 128, 8, 8), 256, 1, 2),
            Layer.R18Shortcut4 => (new Shape(32, 256, 4, 4), 512, 1, 2),
            Layer.R18Layer2 => (new Shape(32, 128, 8, 8), 128, 3, 1),
            Layer.R20Stage3 => (new Shape(128, 64, 8, 8), 64, 3, 1),
            _ => (new Shape(128, 32, 16, 16), 64, 3, 2),
        };
        _g = Conv2DGeometry.Create(input, (k, k), (stride, stride), k == 1 ? 0 : 1, filters: f);
        var rng = new Rng(9);
        _x = Tensor.RandomNormal(input, rng);
        _w = Tensor.RandomNormal(new Shape(f, input[1], k, k), rng);
        _y = Tensor.Empty(new Shape(_g.N, f, _g.OH, _g.OW));
        _dyT = Tensor.RandomNormal(new Shape(f, _g.N * _g.OH * _g.OW), rng);
        _dx = Tensor.Zeros(input);
        _dw = Tensor.Zeros(_w.Shape);
        _col = Tensor.Empty(new Shape(_g.ColumnRows, _g.N * _g.OH * _g.OW));
        _backend.Im2Col(_x, _col, _g); // what the composite forward keeps for dW (k > 4096)
    }

    /// <summary>What Conv2D's forward ran before on this shape.</summary>
    [Benchmark(Baseline = true)]
    public void ForwardBefore()
    {
        if (_g.ColumnRows <= CpuConvGemm.MaxK)
        {
            CpuBackend.ConvForwardFused(_w, _x, _g, null, _y, relu: false);
            return;
        }
        var columns = _g.N * _g.OH * _g.OW;
        using var col = Tensor.Empty(new Shape(_g.ColumnRows, columns));
        using var yT = Tensor.Empty(new Shape(_g.F, columns));
        _backend.Im2Col(_x, col, _g);
        CpuGemm.Sgemm(false, false, _g.F, columns, _g.ColumnRows, 1, _w.Span<float>(), col.Span<float>(), 0, yT.Span<float>());
        _backend.Transpose01(yT, _y, _g.F, _g.N, _g.OH * _g.OW);
    }

    [Benchmark]
    public void ForwardTaps() => ConvTapGemm.Forward(_w.Span<float>(), _x.Span<float>(), _g, default, _y.Span<float>(), relu: false);

    /// <summary>What Conv2D's backward ran before for dx (as its first writer).</summary>
    [Benchmark]
    public void InputGradBefore()
    {
        if (CpuBackend.FusesConvInputGrad(_g))
        {
            CpuBackend.ConvInputGradFused(_w, _dyT, _g, _dx, assign: true);
            return;
        }
        using var dcol = Tensor.Empty(new Shape(_g.ColumnRows, _g.N * _g.OH * _g.OW));
        CpuGemm.Sgemm(true, false, _g.ColumnRows, dcol.Shape[1], _g.F, 1, _w.Span<float>(), _dyT.Span<float>(), 0, dcol.Span<float>());
        CpuBackend.Col2ImFloat(dcol, _dx, _g, assign: true);
    }

    [Benchmark]
    public void InputGradTaps() => ConvTapGemm.InputGrad(_w.Span<float>(), _dyT.Span<float>(), _g, _dx.Span<float>(), assign: true);

    /// <summary>What Conv2D's backward ran before for dW: the implicit dW where CpuConvWeightGrad.Prefers, else
    /// CpuGemm on col (kept from the composite forward when k &gt; 4096, else unfolded again here).</summary>
    [Benchmark]
    public void WeightGradBefore()
    {
        if (CpuBackend.FusesConvWeightGrad(_g))
        {
            CpuBackend.ConvWeightGradFromImage(_dyT, _x, _g, _dw);
            return;
        }
        if (_g.ColumnRows <= CpuConvGemm.MaxK) _backend.Im2Col(_x, _col, _g);
        CpuBackend.ConvWeightGrad(_dyT, _col, _dw, _g.F, _g.ColumnRows, _col.Shape[1]);
    }

    [Benchmark]
    public void WeightGradTaps() => ConvTapWeightGrad.Run(_dyT.Span<float>(), _x.Span<float>(), _g, _dw.Span<float>());

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _y, _dyT, _dx, _dw, _col }) t.Dispose();
    }
}
