using BenchmarkDotNet.Attributes;
using Engine.Autograd;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>ResNet18-64's stem pooling at batch 32 (W5): ZeroPadding2D(1) of 32×64×32×32 and the 3×3,
/// stride-2 max-pool of the padded 34×34 planes, each kernel beside the plain generic loop it replaced
/// (the same loops, still in CpuBackend for float64): pad forward, pad backward (zero fill + add vs the
/// row kernel as the gradient's first writer), max-pool forward (generic window loop vs the pointer
/// kernel with 16-output vector blocks).</summary>
[MemoryDiagnoser]
public class PoolPadLeverBenchmarks
{
    private const int N = 32, C = 64, H = 32, W = 32;
    private readonly CpuBackend _be = CpuBackend.Instance;
    private Pad2DGeometry _pad;
    private Pool2DGeometry _pool;
    private Tensor _x = null!, _padded = null!, _dPadded = null!, _dx = null!, _y = null!, _arg = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(9);
        _x = Tensor.RandomNormal(new Shape(N, C, H, W), rng);
        _pad = Pad2DGeometry.Padding(_x.Shape, (1, 1), (1, 1));
        _padded = Tensor.Empty(new Shape(N, C, _pad.OH, _pad.OW));
        _be.Pad2DForward(_x, _padded, _pad);
        _dPadded = Tensor.RandomNormal(_padded.Shape, rng);
        _dx = Tensor.Empty(_x.Shape);
        _pool = Pool2DGeometry.Create(_padded.Shape, (3, 3), (2, 2), Padding.Valid);
        _y = Tensor.Empty(new Shape(N, C, _pool.OH, _pool.OW));
        _arg = Tensor.Empty(_y.Shape, DType.Int32);
    }

    [Benchmark(Baseline = true)]
    public void PadForwardGenericLoop() => CpuBackend.Pad2D<float>(_x, _padded, _pad.Planes, H, W, 1, 1, _pad.OH, _pad.OW);

    [Benchmark]
    public void PadForwardRows() => CpuBackend.Pad2DFloat(_x, _padded, _pad, backward: false, assign: false);

    [Benchmark]
    public void PadBackwardZeroFillThenGenericAdd()
    {
        _be.Fill(_dx, 0, _dx.Size);
        CpuBackend.Pad2DGrad<float>(_dPadded, _dx, _pad.Planes, H, W, 1, 1, _pad.OH, _pad.OW);
    }

    [Benchmark]
    public void PadBackwardRowsFirstWriter() => CpuBackend.Pad2DFloat(_dPadded, _dx, _pad, backward: true, assign: true);

    [Benchmark]
    public void MaxPool3x3s2GenericLoop() => CpuBackend.MaxPool<float>(_padded, _y, _arg, _pool);

    [Benchmark]
    public void MaxPool3x3s2PointerKernel() => CpuBackend.MaxPoolAnyFloat(_padded, _y, _arg, _pool);
}
