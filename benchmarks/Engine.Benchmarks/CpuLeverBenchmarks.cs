using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>Issue 16's CPU levers, each beside what it replaced, on the seed CNN's shapes (28×28×1,
/// batch 64): conv2 (32→64 channels, 13×13 → 11×11) forward as im2col + GEMM + transpose + bias + ReLU
/// through the backend vs the fused GEMM output pass; the first max-pool (64×32×26×26) general loop vs
/// the 2×2 vector kernel and its backward scatter vs per-plane work items; im2col/col2im generic vs
/// float32 pointer loops; a fresh gradient zero-filled then added into vs the kernel as its first writer
/// (col2im, max-pool backward); im2col + fused GEMM vs implicit im2col; batch norm generic vs float32
/// vector kernels (ResNet-20's first stage); Adam over the 64×64×3 net's 1.6 M parameters, scalar vs SIMD on both cores.</summary>
[MemoryDiagnoser]
public class CpuLeverBenchmarks
{
    private const int N = 64, C = 32, H = 13, F = 64, K = C * 9, OH = 11, P = OH * OH, Columns = N * P;
    private const int PoolC = 32, PoolH = 26, PoolOut = 13;
    private const int AdamParams = 1_625_610;

    private readonly CpuBackend _be = CpuBackend.Instance;
    private Tensor _x = null!, _w = null!, _b = null!, _col = null!, _yT = null!, _biased = null!, _y = null!;
    private Tensor _poolX = null!, _poolY = null!, _arg = null!, _poolDx = null!;
    private Tensor _p = null!, _g = null!, _m = null!, _v = null!;
    private long _step;

    /// <summary>conv2's geometry: 3×3, stride 1, valid.</summary>
    private static readonly Conv2DGeometry ConvGeometry = Conv2DGeometry.Create(new Shape(N, C, H, H), (3, 3), (1, 1), "valid", filters: F);
    private const int BnN = 64, BnC = 16, BnHw = 32 * 32;
    private Tensor _bnX = null!, _bnY = null!, _bnDx = null!, _bnGamma = null!, _bnBeta = null!, _bnGamma2 = null!, _bnBeta2 = null!;
    private Tensor _bnMean = null!, _bnInvStd = null!, _bnRunMean = null!, _bnRunVar = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(4);
        _x = Tensor.RandomNormal(new Shape(N, C, H, H), rng);
        _w = Tensor.RandomNormal(new Shape(F, C, 3, 3), rng);
        _b = Tensor.RandomNormal(new Shape(F), rng);
        _col = Tensor.Empty(new Shape(K, Columns));
        _yT = Tensor.Empty(new Shape(F, Columns));
        _biased = Tensor.Empty(new Shape(F, Columns));
        _y = Tensor.Empty(new Shape(N, F, OH, OH));
        _be.Im2Col(_x, _col, Conv2DGeometry.Create(_x.Shape, (3, 3), (1, 1), "valid"));
        _poolX = Tensor.RandomNormal(new Shape(N, PoolC, PoolH, PoolH), rng);
        _poolY = Tensor.Empty(new Shape(N, PoolC, PoolOut, PoolOut));
        _arg = Tensor.Empty(_poolY.Shape, DType.Int32);
        _poolDx = Tensor.Zeros(_poolX.Shape);
        _be.MaxPool2DForward(_poolX, _poolY, _arg, new Pool2DGeometry { N = N, C = PoolC, H = PoolH, W = PoolH, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = PoolOut, OW = PoolOut });
        _p = Tensor.RandomNormal(new Shape(AdamParams), rng);
        _g = Tensor.RandomNormal(new Shape(AdamParams), rng);
        _m = Tensor.Zeros(new Shape(AdamParams));
        _v = Tensor.Zeros(new Shape(AdamParams));
        _bnX = Tensor.RandomNormal(new Shape(BnN, BnC, BnHw), rng);
        _bnY = Tensor.Empty(_bnX.Shape);
        _bnDx = Tensor.Zeros(_bnX.Shape);
        (_bnGamma, _bnBeta, _bnGamma2, _bnBeta2) = (Tensor.Full(new Shape(BnC), 1), Tensor.Zeros(new Shape(BnC)), Tensor.Zeros(new Shape(BnC)), Tensor.Zeros(new Shape(BnC)));
        (_bnMean, _bnInvStd, _bnRunMean, _bnRunVar) = (Tensor.Empty(new Shape(BnC)), Tensor.Empty(new Shape(BnC)), Tensor.Zeros(new Shape(BnC)), Tensor.Full(new Shape(BnC), 1));
        _be.BatchNormForwardTraining(_bnX, _bnGamma, _bnBeta, _bnY, _bnMean, _bnInvStd, _bnRunMean, _bnRunVar, BnN, BnC, BnHw, 0.99, 1e-3);
    }

    [Benchmark]
    public void ConvForwardComposite()
    {
        _be.Gemm(false, false, F, Columns, K, 1, _w, _col, 0, _yT);
        _be.BiasAddForward(_yT, _b, _biased, 1, F, Columns);
        _be.Transpose01(_biased, _y, F, N, P);
        _be.ReluForward(_y, _y, _y.Size);
    }

    [Benchmark]
    public void ConvForwardFused() => CpuBackend.ConvForwardFused(_w, _col, _b, _y, F, K, N, P, relu: true);

    [Benchmark]
    public void Im2ColGeneric() => CpuBackend.Im2Col<float>(_x, _col, ConvGeometry);

    [Benchmark]
    public void Im2ColFloat() => CpuBackend.Im2ColFloat(_x, _col, ConvGeometry);

    [Benchmark]
    public void Col2ImGeneric() => CpuBackend.Col2Im<float>(_col, _x, ConvGeometry);

    [Benchmark]
    public void Col2ImFloat() => CpuBackend.Col2ImFloat(_col, _x, ConvGeometry);

    /// <summary>col2im into a fresh gradient as before "first writer assigns": zero fill, then add.</summary>
    [Benchmark]
    public void Col2ImZeroFillThenAdd()
    {
        _be.Fill(_x, 0, _x.Size);
        CpuBackend.Col2ImFloat(_col, _x, ConvGeometry);
    }

    /// <summary>The same as its first writer: each plane cleared in cache just before the adds.</summary>
    [Benchmark]
    public void Col2ImAssign() => CpuBackend.Col2ImFloat(_col, _x, ConvGeometry, assign: true);

    [Benchmark]
    public void MaxPoolGeneral() =>
        CpuBackend.MaxPool<float>(_poolX, _poolY, _arg, new Pool2DGeometry { N = N, C = PoolC, H = PoolH, W = PoolH, KH = 2, KW = 2, SH = 2, SW = 2, OH = PoolOut, OW = PoolOut });

    [Benchmark]
    public void MaxPool2x2() => _be.MaxPool2DForward(_poolX, _poolY, _arg, new Pool2DGeometry { N = N, C = PoolC, H = PoolH, W = PoolH, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = PoolOut, OW = PoolOut });

    [Benchmark]
    public void MaxPool2x2OnePlanePerItem() => CpuBackend.MaxPool2x2Float(_poolX, _poolY, _arg, N * PoolC, PoolH, PoolH, PoolOut, PoolOut, planesPerItem: 1);

    /// <summary>The tape's float32 backward for MaxPooling2D(2) as first writer: 2×2 write-once vector kernel.</summary>
    [Benchmark]
    public void MaxPoolGradWriteOnce2x2() => CpuBackend.MaxPoolGradPlanes(_poolY, _arg, _poolDx, PoolGeometry, assign: true);

    private static Pool2DGeometry PoolGeometry => new() { N = N, C = PoolC, H = PoolH, W = PoolH, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = PoolOut, OW = PoolOut };

    [Benchmark]
    public void MaxPoolGradScatter() => CpuBackend.MaxPoolGrad<float>(_poolY, _arg, _poolDx, _poolY.Size);

    [Benchmark]
    public void MaxPoolGradPlanes() => CpuBackend.MaxPoolGradPlanes(_poolY, _arg, _poolDx, N * PoolC, PoolOut * PoolOut, PoolH * PoolH);

    /// <summary>Max-pool backward into a fresh gradient before "first writer assigns": zero fill, then scatter.</summary>
    [Benchmark]
    public void MaxPoolGradZeroFillThenScatter()
    {
        _be.Fill(_poolDx, 0, _poolDx.Size);
        CpuBackend.MaxPoolGradPlanes(_poolY, _arg, _poolDx, N * PoolC, PoolOut * PoolOut, PoolH * PoolH);
    }

    [Benchmark]
    public void MaxPoolGradAssign() => CpuBackend.MaxPoolGradPlanes(_poolY, _arg, _poolDx, N * PoolC, PoolOut * PoolOut, PoolH * PoolH, assign: true);

    /// <summary>Fused conv forward as before implicit im2col: unfold x into col, then the GEMM reads col.</summary>
    [Benchmark]
    public void ConvForwardIm2ColThenFused()
    {
        CpuBackend.Im2ColFloat(_x, _col, ConvGeometry);
        CpuBackend.ConvForwardFused(_w, _col, _b, _y, F, K, N, P, relu: true);
    }

    /// <summary>The same y with each column panel unfolded from x inside the GEMM (no col).</summary>
    [Benchmark]
    public void ConvForwardFromImage() =>
        CpuBackend.ConvForwardFused(_w, _x, ConvGeometry, _b, _y, relu: true);

    /// <summary>Batch norm in training mode on ResNet-20's first stage (64×16×32×32): the generic
    /// per-element double loop vs the float32 vector kernel; then the backward of each.</summary>
    [Benchmark]
    public void BatchNormForwardGeneric() =>
        CpuBackend.BatchNormTraining<float>(_bnX, _bnGamma, _bnBeta, _bnY, _bnMean, _bnInvStd, _bnRunMean, _bnRunVar, BnN, BnC, BnHw, 0.99, 1e-3);

    [Benchmark]
    public void BatchNormForwardFloat() =>
        _be.BatchNormForwardTraining(_bnX, _bnGamma, _bnBeta, _bnY, _bnMean, _bnInvStd, _bnRunMean, _bnRunVar, BnN, BnC, BnHw, 0.99, 1e-3);

    [Benchmark]
    public void BatchNormBackwardGeneric() =>
        CpuBackend.BatchNormGrad<float>(_bnX, _bnY, _bnGamma, _bnMean, _bnInvStd, _bnDx, _bnGamma2, _bnBeta2, BnN, BnC, BnHw);

    [Benchmark]
    public void BatchNormBackwardFloatAssign() =>
        CpuBackend.BatchNormBackwardFloat(_bnX, _bnY, _bnGamma, _bnMean, _bnInvStd, _bnDx, _bnGamma2, _bnBeta2, BnN, BnC, BnHw, assign: true);

    [Benchmark]
    public void AdamScalar() => CpuBackend.Adam<float>(_p, _g, _m, _v, null, AdamParams, 1e-3, 0.9, 0.999, 1e-7, 0, false, ++_step);

    [Benchmark]
    public void AdamSimd() => CpuBackend.AdamFloat(_p, _g, _m, _v, null, AdamParams, 1e-3, 0.9, 0.999, 1e-7, 0, false, ++_step);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _b, _col, _yT, _biased, _y, _poolX, _poolY, _arg, _poolDx, _p, _g, _m, _v,
                     _bnX, _bnY, _bnDx, _bnGamma, _bnBeta, _bnGamma2, _bnBeta2, _bnMean, _bnInvStd, _bnRunMean, _bnRunVar }) t.Dispose();
    }
}
