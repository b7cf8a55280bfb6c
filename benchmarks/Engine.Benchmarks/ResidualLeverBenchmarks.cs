using System.Numerics;
using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The residual nets' non-convolution levers beside what they replaced, on ResNet-20's first stage
/// at batch 128 (128×16×32×32 = 2 M floats; W4) and ResNet18-64's layer1 at batch 32 (32×64×16×16; W5):
/// ReLU forward one thread vs chunks on both cores; ReLU backward into a zero-filled gradient vs as its
/// first writer; the residual add's backward (two gradients) zero fill + add vs copies; batch norm's
/// training forward with two reads of x for its statistics (the replaced kernel, kept here) vs one.</summary>
[MemoryDiagnoser]
public class ResidualLeverBenchmarks
{
    [Params("W4-stage1", "W5-layer1")]
    public string Shape { get; set; } = "W4-stage1";

    private readonly CpuBackend _be = CpuBackend.Instance;
    private int _n, _c, _hw, _size;
    private Tensor _x = null!, _dy = null!, _y = null!, _g0 = null!, _g1 = null!;
    private Tensor _gamma = null!, _beta = null!, _mean = null!, _invStd = null!, _runMean = null!, _runVar = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_n, _c, _hw) = Shape == "W4-stage1" ? (128, 16, 32 * 32) : (32, 64, 16 * 16);
        _size = _n * _c * _hw;
        var rng = new Rng(8);
        _x = Tensor.RandomNormal(new Shape(_n, _c, _hw), rng);
        _dy = Tensor.RandomNormal(_x.Shape, rng);
        (_y, _g0, _g1) = (Tensor.Empty(_x.Shape), Tensor.Empty(_x.Shape), Tensor.Empty(_x.Shape));
        (_gamma, _beta) = (Tensor.Full(new Shape(_c), 1), Tensor.Zeros(new Shape(_c)));
        (_mean, _invStd, _runMean, _runVar) = (Tensor.Empty(new Shape(_c)), Tensor.Empty(new Shape(_c)), Tensor.Zeros(new Shape(_c)), Tensor.Full(new Shape(_c), 1));
    }

    [Benchmark(Baseline = true)]
    public void ReluForwardOneThread() => SimdFloat.Relu(_x.Span<float>(), _y.Span<float>());

    [Benchmark]
    public void ReluForwardBothCores() => _be.ElementwiseForward(ElementwiseOps.Relu, _x, null, _y, _size);

    [Benchmark]
    public void ReluBackwardZeroFillThenAdd()
    {
        _be.Fill(_g0, 0, _size);
        SimdFloat.ReluBackward(_x.Span<float>(), _dy.Span<float>(), _g0.Span<float>());
    }

    [Benchmark]
    public void ReluBackwardFirstWriter() => CpuBackend.WriteOnceBackward(ElementwiseOps.Relu, _x, _dy, _g0, true, null, false, _size);

    [Benchmark]
    public void AddBackwardZeroFillThenAdd()
    {
        _be.Fill(_g0, 0, _size);
        SimdFloat.Axpy(1, _dy.Span<float>(), _g0.Span<float>());
        _be.Fill(_g1, 0, _size);
        SimdFloat.Axpy(1, _dy.Span<float>(), _g1.Span<float>());
    }

    [Benchmark]
    public void AddBackwardFirstWriter() => CpuBackend.WriteOnceBackward(ElementwiseOps.Add, null, _dy, _g0, true, _g1, true, _size);

    [Benchmark]
    public void BatchNormForwardTwoReads() =>
        CpuParallel.ForEachPlane(_c, (long)_n * _hw, this, static (b, ch) => b.TwoReadForward(ch));

    [Benchmark]
    public void BatchNormForwardOneRead() =>
        _be.BatchNormForwardTraining(_x, _gamma, _beta, _y, _mean, _invStd, _runMean, _runVar, _n, _c, _hw, 0.99, 1e-3);

    /// <summary>The replaced float32 forward of one channel: Σx, then Σ(x − mean)², then the affine pass.</summary>
    private void TwoReadForward(int ch)
    {
        var x = _x.Span<float>();
        var count = (double)_n * _hw;
        var sum = 0.0;
        for (var b = 0; b < _n; b++) sum += Sum(x.Slice((b * _c + ch) * _hw, _hw));
        var m = sum / count;
        var squares = 0.0;
        for (var b = 0; b < _n; b++) squares += SquaredDeviations(x.Slice((b * _c + ch) * _hw, _hw), m);
        var inv = 1 / Math.Sqrt(squares / count + 1e-3);
        var y = _y.Span<float>();
        for (var b = 0; b < _n; b++)
        {
            var at = (b * _c + ch) * _hw;
            SimdFloat.Affine(x.Slice(at, _hw), (float)inv, (float)(-m * inv), y.Slice(at, _hw));
        }
    }

    private static double Sum(ReadOnlySpan<float> x)
    {
        var (lo, hi) = (Vector<double>.Zero, Vector<double>.Zero);
        var i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.Widen(new Vector<float>(x[i..]), out var l, out var h);
            lo += l;
            hi += h;
        }
        var sum = Vector.Sum(lo + hi);
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    private static double SquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        var means = new Vector<double>(mean);
        var (lo, hi) = (Vector<double>.Zero, Vector<double>.Zero);
        var i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.Widen(new Vector<float>(x[i..]), out var l, out var h);
            l -= means;
            h -= means;
            lo += l * l;
            hi += h * h;
        }
        var sum = Vector.Sum(lo + hi);
        for (; i < x.Length; i++) sum += (x[i] - mean) * (x[i] - mean);
        return sum;
    }
}
