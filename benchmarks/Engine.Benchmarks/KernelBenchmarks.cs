using BenchmarkDotNet.Attributes;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Benchmarks;

/// <summary>The kernels of a seed-CNN training step, forward and backward, straight on the backend
/// (no autograd): convolution as im2col + GEMM (the second conv layer: 32 → 64 channels, 3×3, 13×13
/// input), 2×2 max-pool (after the first conv: 32 channels, 26×26), sparse softmax + cross-entropy
/// and sigmoid + pos-weighted BCE (256 rows × 1000 classes/labels), and an Adam step over the seed
/// CNN's 93,322 parameters. Batch 32 keeps the CPU runs short. Runs on the CPU, and on cuda:0 when
/// CUDA is available: each invocation queues <see cref="Reps"/> calls and then waits for the GPU
/// once, so launch overhead is counted but one synchronisation is spread over the calls.
/// On the GPU machine (no SDK there) run with --inProcess.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Reps = 16;
    private const int Batch = 32, InC = 32, OutC = 64, Size = 13, K = 3, Out = Size - K + 1;
    private const int PoolC = 32, PoolIn = 26, PoolOut = 13;
    private const int Rows = 256, Classes = 1000;
    private const int AdamParams = 93_322;

    public static IEnumerable<string> Devices => CudaBackend.IsAvailable ? ["cpu", "cuda"] : ["cpu"];

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    private IBackend _backend = null!;
    private Tensor _x = null!, _w = null!, _col = null!, _y = null!, _dy = null!, _dw = null!, _dcol = null!, _dx = null!;
    private Tensor _poolX = null!, _poolY = null!, _argmax = null!, _poolDy = null!, _poolDx = null!;
    private Tensor _logits = null!, _labels = null!, _probs = null!, _loss = null!, _dloss = null!, _dlogits = null!;
    private Tensor _multiHot = null!, _posWeight = null!;
    private Tensor _param = null!, _grad = null!, _m = null!, _v = null!;
    private long _adamStep;

    [GlobalSetup]
    public void Setup()
    {
        var device = Device == "cuda" ? Tensors.Device.Cuda(0) : Tensors.Device.Cpu;
        _backend = BackendRegistry.For(device);
        var rng = new Rng(1);
        Tensor Normal(params int[] shape) => Tensor.RandomNormal(new Shape(shape), rng, device: device);
        Tensor Zeros(params int[] shape) => Tensor.Zeros(new Shape(shape), device: device);

        const int colRows = InC * K * K, pixels = Batch * Out * Out;
        _x = Normal(Batch, InC, Size, Size);
        _w = Normal(OutC, colRows);
        _col = Zeros(colRows, pixels);
        _y = Zeros(OutC, pixels);
        _dy = Normal(OutC, pixels);
        _dw = Zeros(OutC, colRows);
        _dcol = Zeros(colRows, pixels);
        _dx = Zeros(Batch, InC, Size, Size);

        _poolX = Normal(Batch, PoolC, PoolIn, PoolIn);
        _poolY = Zeros(Batch, PoolC, PoolOut, PoolOut);
        _argmax = Tensor.Zeros(new Shape(Batch, PoolC, PoolOut, PoolOut), DType.Int32, device);
        _poolDy = Normal(Batch, PoolC, PoolOut, PoolOut);
        _poolDx = Zeros(Batch, PoolC, PoolIn, PoolIn);
        _backend.MaxPool2DForward(_poolX, _poolY, _argmax, new Pool2DGeometry { N = Batch, C = PoolC, H = PoolIn, W = PoolIn, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = PoolOut, OW = PoolOut });

        _logits = Normal(Rows, Classes);
        _labels = Tensor.FromArray(Enumerable.Range(0, Rows).Select(i => i * 7 % Classes).ToArray()).To(device);
        _probs = Zeros(Rows, Classes);
        _loss = Zeros(Rows);
        _dloss = Tensor.Full(new Shape(Rows), 1.0 / Rows, device: device);
        _dlogits = Zeros(Rows, Classes);
        _multiHot = Tensor.FromArray(Enumerable.Range(0, Rows * Classes).Select(i => i % 97 == 0 ? 1f : 0f).ToArray(), new Shape(Rows, Classes)).To(device);
        _posWeight = Tensor.Full(new Shape(Classes), 96.0, device: device);
        _backend.SparseSoftmaxCrossEntropyForward(_logits, _labels, _probs, _loss, Rows, Classes);

        _param = Normal(AdamParams);
        _grad = Normal(AdamParams);
        _m = Zeros(AdamParams);
        _v = Zeros(AdamParams);
        Wait();
    }

    // Waits for queued GPU work (nothing to wait for on the CPU).
    private void Wait()
    {
        if (_backend is CudaBackend gpu) gpu.Synchronize();
    }

    private void Repeat(Action kernel)
    {
        for (var i = 0; i < Reps; i++) kernel();
        Wait();
    }

    [Benchmark(OperationsPerInvoke = Reps)]
    public void ConvForward() => Repeat(() =>
    {
        _backend.Im2Col(_x, _col, Conv2DGeometry.Create(_x.Shape, (K, K), (1, 1), "valid"));
        _backend.Gemm(false, false, OutC, Batch * Out * Out, InC * K * K, 1, _w, _col, 0, _y);
    });

    /// <summary>dW += dy·colᵀ, dcol = Wᵀ·dy, dx += col2im(dcol).</summary>
    [Benchmark(OperationsPerInvoke = Reps)]
    public void ConvBackward() => Repeat(() =>
    {
        _backend.Gemm(false, true, OutC, InC * K * K, Batch * Out * Out, 1, _dy, _col, 1, _dw);
        _backend.Gemm(true, false, InC * K * K, Batch * Out * Out, OutC, 1, _w, _dy, 0, _dcol);
        _backend.Col2Im(_dcol, _dx, Conv2DGeometry.Create(_dx.Shape, (K, K), (1, 1), "valid"));
    });

    [Benchmark(OperationsPerInvoke = Reps)]
    public void MaxPoolForward() => Repeat(() =>
        _backend.MaxPool2DForward(_poolX, _poolY, _argmax, new Pool2DGeometry { N = Batch, C = PoolC, H = PoolIn, W = PoolIn, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = PoolOut, OW = PoolOut }));

    [Benchmark(OperationsPerInvoke = Reps)]
    public void MaxPoolBackward() => Repeat(() => _backend.MaxPool2DBackward(_poolDy, _argmax, _poolDx, Batch * PoolC * PoolOut * PoolOut));

    [Benchmark(OperationsPerInvoke = Reps)]
    public void SoftmaxCrossEntropyForward() => Repeat(() =>
        _backend.SparseSoftmaxCrossEntropyForward(_logits, _labels, _probs, _loss, Rows, Classes));

    [Benchmark(OperationsPerInvoke = Reps)]
    public void SoftmaxCrossEntropyBackward() => Repeat(() =>
        _backend.SparseSoftmaxCrossEntropyBackward(_probs, _labels, _dloss, _dlogits, Rows, Classes));

    [Benchmark(OperationsPerInvoke = Reps)]
    public void SigmoidPosWeightedBceForward() => Repeat(() =>
        _backend.SigmoidBceWithLogitsForward(_logits, _multiHot, _posWeight, _probs, Rows * Classes, Classes));

    [Benchmark(OperationsPerInvoke = Reps)]
    public void SigmoidPosWeightedBceBackward() => Repeat(() =>
        _backend.SigmoidBceWithLogitsBackward(_logits, _multiHot, _posWeight, _probs, _dlogits, Rows * Classes, Classes));

    [Benchmark(OperationsPerInvoke = Reps)]
    public void AdamStep() => Repeat(() =>
        _backend.AdamStep(_param, _grad, _m, _v, null, AdamParams, 1e-3, 0.9, 0.999, 1e-7, 0, false, ++_adamStep));
}
