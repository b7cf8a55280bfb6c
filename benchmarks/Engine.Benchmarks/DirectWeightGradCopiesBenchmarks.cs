using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The direct conv kernel gradient (CpuDirectWeightGrad, float32, 2 threads) with its row-by-row copies
/// of x into planes and of dz into blocked rows (before) against the one-pass AVX-512 copies (after: masked
/// expanding loads for stride-1 planes and dz rows, masked loads and an even-lane permute for column-stride-2
/// planes). The values are the same either way. Shapes from DirectWeightGradBenchmarks: ResNet-20 (W4)
/// stage 1 and 3, its entry into stage 2, and the seed CNN's conv1 — few, so a short job fits the shared lock.</summary>
[MemoryDiagnoser, MinColumn]
public class DirectWeightGradCopiesBenchmarks
{
    [Params(DirectWeightGradBenchmarks.Layer.R20S1, DirectWeightGradBenchmarks.Layer.R20S3, DirectWeightGradBenchmarks.Layer.R20Entry2,
        DirectWeightGradBenchmarks.Layer.SeedConv1)]
    public DirectWeightGradBenchmarks.Layer Shape { get; set; }

    private Conv2DGeometry _g;
    private Tensor _x = null!, _dyT = null!, _dw = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (input, f, k, s, padding) = DirectWeightGradBenchmarks.Of(Shape);
        _g = Conv2DGeometry.Create(input, (k, k), (s, s), padding, filters: f);
        var rng = new Rng(9);
        _x = Tensor.RandomNormal(input, rng);
        _dyT = Tensor.RandomNormal(new Shape(f, _g.N * _g.OH * _g.OW), rng);
        _dw = Tensor.Zeros(new Shape(f, _g.ColumnRows));
    }

    /// <summary>Before: row copies (CpuDirectConv.FillPhasePlane, a staging row for dz).</summary>
    [Benchmark(Baseline = true)]
    public void RowCopies()
    {
        CpuDirectWeightGrad.ExpandCopies = false;
        try { CpuDirectWeightGrad.Run(_dyT.Span<float>(), _x.Span<float>(), _g, _dw.Span<float>()); }
        finally { CpuDirectWeightGrad.ExpandCopies = true; }
    }

    /// <summary>After: the one-pass copies.</summary>
    [Benchmark]
    public void OnePassCopies() => CpuDirectWeightGrad.Run(_dyT.Span<float>(), _x.Span<float>(), _g, _dw.Span<float>());

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _dyT, _dw }) t.Dispose();
    }
}
