using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The seed CNN's stride-1 col2im shapes at batch 64 (W1's conv2 and conv3 input gradients, 'valid',
/// dcol rows of 11 and 3) and ResNet-20's 8×8 stage: tap-by-tap (one read-modify-write pass of dx per tap)
/// vs Col2ImRows (each 16-wide row piece summed over the taps in a register, stored once). Same bits.</summary>
public class Col2ImRowsBenchmarks
{
    [Params("seed conv2 64x32x13x13", "seed conv3 64x64x5x5", "resnet20 stage3 128x64x8x8")]
    public string Layer { get; set; } = "";

    private Conv2DGeometry _g;
    private Tensor _col = null!, _dx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (n, c, h, pad) = Layer switch
        {
            "seed conv2 64x32x13x13" => (64, 32, 13, 0),
            "seed conv3 64x64x5x5" => (64, 64, 5, 0),
            _ => (128, 64, 8, 1),
        };
        var o = h + 2 * pad - 2;
        _g = new Conv2DGeometry { N = n, C = c, F = c, Groups = 1, H = h, W = h, KH = 3, KW = 3, SH = 1, SW = 1, PH = pad, PW = pad, DH = 1, DW = 1, OH = o, OW = o };
        _col = Tensor.RandomNormal(new Shape(c * 9, n * o * o), new Rng(3));
        _dx = Tensor.Empty(new Shape(n, c, h, h));
    }

    [Benchmark(Baseline = true)]
    public void TapByTap()
    {
        Col2ImRows.Enabled = false;
        CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
        Col2ImRows.Enabled = true;
    }

    [Benchmark]
    public void RowsInRegisters() => CpuBackend.Col2ImFloat(_col, _dx, _g, assign: true);
}
