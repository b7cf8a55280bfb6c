using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The float32 conv forward lever of issue 16 item 2: the implicit-im2col GEMM (column panels
/// unfolded from x into the packed buffer, then the 8×32 micro-kernel) beside the direct convolution
/// (x copied once per image into zero-padded phase planes, 8 filters × 48 positions in registers).
/// Both give the same bits; Conv2D picks the faster per shape (CpuDirectConv.Prefers) from these numbers.
/// Shapes: ResNet-20's convolutions (batch 32): its first conv (3→16), the three stages' 3×3 'same'
/// convs (16, 32, 64 channels at 32×32, 16×16, 8×8), the stride-2 entries into stages 2 and 3 and
/// their 1×1 stride-2 shortcuts; the seed CNN's conv1 (1→32, 28×28 → 26×26 valid), conv2 (32→64,
/// 13×13 → 11×11) and conv3 (64→64, 5×5 → 3×3), batch 64. Bias and ReLU on, as in a Conv2D layer
/// with activation "relu".</summary>
[MemoryDiagnoser, MinColumn]
public class ConvForwardBenchmarks
{
    public enum Layer
    {
        ResNetConv1, ResNetStage1, ResNetStage2, ResNetStage3, ResNetDown2, ResNetDown3, ResNetShortcut2, ResNetShortcut3,
        SeedConv1, SeedConv2, SeedConv3,
    }

    [ParamsAllValues]
    public Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _x = null!, _w = null!, _b = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, k, stride, padding) = Shape switch
        {
            Layer.ResNetConv1 => (new Shape(32, 3, 32, 32), 16, 3, 1, "same"),
            Layer.ResNetStage1 => (new Shape(32, 16, 32, 32), 16, 3, 1, "same"),
            Layer.ResNetStage2 => (new Shape(32, 32, 16, 16), 32, 3, 1, "same"),
            Layer.ResNetStage3 => (new Shape(32, 64, 8, 8), 64, 3, 1, "same"),
            Layer.ResNetDown2 => (new Shape(32, 16, 32, 32), 32, 3, 2, "same"),
            Layer.ResNetDown3 => (new Shape(32, 32, 16, 16), 64, 3, 2, "same"),
            Layer.ResNetShortcut2 => (new Shape(32, 16, 32, 32), 32, 1, 2, "valid"),
            Layer.ResNetShortcut3 => (new Shape(32, 32, 16, 16), 64, 1, 2, "valid"),
            Layer.SeedConv1 => (new Shape(64, 1, 28, 28), 32, 3, 1, "valid"),
            Layer.SeedConv2 => (new Shape(64, 32, 13, 13), 64, 3, 1, "valid"),
            _ => (new Shape(64, 64, 5, 5), 64, 3, 1, "valid"),
        };
        _g = Conv2DGeometry.Create(input, (k, k), (stride, stride), padding, filters: f);
        var rng = new Rng(9);
        _x = Tensor.RandomNormal(input, rng);
        _w = Tensor.RandomNormal(new Shape(f, input[1], k, k), rng);
        _b = Tensor.RandomNormal(new Shape(f), rng);
        _y = Tensor.Empty(new Shape(_g.N, f, _g.OH, _g.OW));
    }

    /// <summary>Before: implicit im2col inside the fused conv GEMM.</summary>
    [Benchmark(Baseline = true)]
    public void ImplicitGemm() =>
        CpuConvGemm.ForwardFromImage(_w.Span<float>(), _x.Span<float>(), _g, _b.Span<float>(), _y.Span<float>(), _g.F, relu: true);

    /// <summary>After: the direct convolution.</summary>
    [Benchmark]
    public void Direct() => CpuDirectConv.Forward(_w.Span<float>(), _x.Span<float>(), _g, _b.Span<float>(), _y.Span<float>(), relu: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _b, _y }) t.Dispose();
    }
}
