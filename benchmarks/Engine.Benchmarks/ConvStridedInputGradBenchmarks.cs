using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The float32 input gradient of strided convolutions (issue 16 item 2): dcol = Wᵀ·dY' (a GEMM
/// into a K×N·P buffer) then col2im as dx's first writer, against the polyphase split (one stride-1
/// transposed convolution per output parity class, straight into dx: CpuConvGemm.InputGrad). Shapes:
/// ResNet-20's stride-2 entries (3×3 'same', 16→32 at 32×32 and 32→64 at 16×16) and its 1×1 stride-2
/// shortcuts, batch 32, and ResNet18's 3×3 stride-2 entry of layer2 (64→128 at 16×16, batch 32).</summary>
[MemoryDiagnoser, MinColumn]
public class ConvStridedInputGradBenchmarks
{
    public enum Layer { ResNet20Entry2, ResNet20Entry3, ResNet20Shortcut2, ResNet20Shortcut3, ResNet18Layer2Entry }

    [Params(Layer.ResNet20Entry2, Layer.ResNet20Entry3, Layer.ResNet20Shortcut2, Layer.ResNet20Shortcut3, Layer.ResNet18Layer2Entry)]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _w = null!, _dyT = null!, _dx = null!, _col = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, kernel) = Shape switch
        {
            Layer.ResNet20Entry2 => (new Shape(32, 16, 32, 32), 32, 3),
            Layer.ResNet20Entry3 => (new Shape(32, 32, 16, 16), 64, 3),
            Layer.ResNet20Shortcut2 => (new Shape(32, 16, 32, 32), 32, 1),
            Layer.ResNet20Shortcut3 => (new Shape(32, 32, 16, 16), 64, 1),
            _ => (new Shape(32, 64, 16, 16), 128, 3),
        };
        _g = Conv2DGeometry.Create(input, (kernel, kernel), (2, 2), "same", filters: f);
        var rng = new Rng(9);
        _w = Tensor.RandomNormal(new Shape(f, input[1], kernel, kernel), rng);
        _dyT = Tensor.RandomNormal(new Shape(f, _g.N * _g.OH * _g.OW), rng);
        _dx = Tensor.Zeros(input);
        _col = Tensor.Empty(new Shape(_g.ColumnRows, _g.N * _g.OH * _g.OW));
    }

    /// <summary>Before: dcol = Wᵀ · dY', then col2im into dx as its first writer.</summary>
    [Benchmark(Baseline = true)]
    public void GemmThenCol2Im()
    {
        CpuGemm.Sgemm(true, false, _g.ColumnRows, _col.Shape[1], _g.F, 1, _w.Span<float>(), _dyT.Span<float>(), 0, _col.Span<float>());
        CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
    }

    /// <summary>After: one stride-1 transposed convolution per phase, straight into dx.</summary>
    [Benchmark]
    public void Polyphase() => CpuBackend.ConvInputGradFused(_w, _dyT, _g, _dx, assign: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _w, _dyT, _dx, _col }) t.Dispose();
    }
}
