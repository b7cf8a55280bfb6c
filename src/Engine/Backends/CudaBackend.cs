using System.Numerics;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>The GPU backend: every IBackend method is one launch of the kernel of the same name in
/// kernels/*.cu (snake_case: ReluForward → relu_forward), compiled at run time by NVRTC; GEMMs go
/// to cuBLAS. All work is queued in order on one stream per device, so nothing waits for the GPU
/// until a result is read (ToArray, Item) or <see cref="Synchronize"/> is called. Kernels are
/// float32 only (float64 math stays on the CPU, e.g. gradient checks); float64 buffers exist on the
/// GPU only to hold metric accumulators (filled, copied, read back, and added to by the metric kernels). Obtain it with
/// <c>BackendRegistry.For(Device.Cuda(0))</c> — or just create tensors on Device.Cuda(0).
/// Split by op family over the CudaBackend.*.cs files, like CpuBackend.</summary>
public sealed partial class CudaBackend : IBackend, IDisposable
{
    private const uint ThreadsPerBlock = 256;

    private readonly CudaQueue _queue;
    private readonly CachingAllocator _allocator;
    private readonly uint _maxGrid;
    private CaptureSession? _capture;

    internal CudaBackend(Device device) : this(CreateQueue(device))
    {
    }

    /// <summary>A backend over any queue (the driver, or a checking queue in tests).</summary>
    internal CudaBackend(CudaQueue queue)
    {
        _queue = queue;
        _allocator = new CachingAllocator(queue);
        // Grid-stride loops: enough blocks to fill every SM several times over, no more.
        _maxGrid = (uint)Math.Max(1, queue.MultiprocessorCount) * 32;
    }

    private static CudaQueue CreateQueue(Device device)
    {
        if (!device.IsCuda) throw new ArgumentException($"CudaBackend runs on CUDA devices; received {device}.", nameof(device));
        if (!IsAvailable) throw new CudaException($"Cannot use {device}: {UnavailableReason}");
        return new DriverQueue(device.Index);
    }

    /// <summary>The shared backend of cuda:<paramref name="index"/> (the one tensors on that device use).</summary>
    public static CudaBackend ForDevice(int index = 0) => (CudaBackend)BackendRegistry.For(Device.Cuda(index));

    private static readonly Lazy<(bool Available, string? Reason)> Probe = new(ProbeDriver);

    /// <summary>Whether a CUDA GPU can be used here. Never throws; see <see cref="UnavailableReason"/>.</summary>
    public static bool IsAvailable => Probe.Value.Available;

    /// <summary>Why <see cref="IsAvailable"/> is false (the library search, or the driver's error), else null.</summary>
    public static string? UnavailableReason => Probe.Value.Reason;

    private static (bool, string?) ProbeDriver()
    {
        try
        {
            var driver = CudaLibraries.Get(NativeLibrarySpec.Driver);
            if (!driver.Loaded) return (false, driver.NotFoundMessage);
            var init = Driver.cuInit(0);
            if (init != CuResult.Success)
            {
                var (name, text) = Driver.Describe(init);
                return (false, $"the CUDA driver ({driver.Path}) failed to initialise: {name}: {text}.");
            }
            CudaCheck.ThrowIfFailed(Driver.cuDeviceGetCount(out var count));
            return count > 0 ? (true, null) : (false, "the CUDA driver reports no GPU.");
        }
        catch (Exception e)
        {
            return (false, e.Message);
        }
    }

    public Device Device => _queue.Device;

    /// <summary>"NVIDIA H100 80GB HBM3".</summary>
    public string DeviceName => _queue.DeviceName;

    /// <summary>Opt-in TF32 tensor-core GEMMs (faster, ~1e-3 relative error instead of ~1e-6).</summary>
    public bool AllowTf32 { get; set; }

    public CudaMemoryStats MemoryStats => _allocator.Stats;

    /// <summary>Free and total memory of the whole GPU, as the driver reports them.</summary>
    public (long FreeBytes, long TotalBytes) DeviceMemory => _queue.MemoryInfo();

    /// <summary>Returns all cached (unused) blocks to the driver.</summary>
    public void EmptyCache() => _allocator.EmptyCache();

    public void ResetPeakMemory() => _allocator.ResetPeak();

    public Storage Allocate(DType dtype, int length)
    {
        var storage = new CudaStorage(_allocator, _queue, dtype, length);
        _capture?.Created(storage);
        return storage;
    }

    /// <summary>Device memory for internal scratch use, bypassing tensors (tests use it to provoke out-of-memory).</summary>
    internal (ulong Pointer, long Size) AllocateBytes(long bytes) => _allocator.Allocate(bytes);

    internal void FreeBytes((ulong Pointer, long Size) block) => _allocator.Free(block.Pointer, block.Size);

    public void Synchronize() => _queue.Synchronize();

    /// <summary>True while <see cref="CaptureGraph"/> is recording on this backend.</summary>
    internal bool IsCapturing => _capture is not null;

    /// <summary>Runs <paramref name="work"/> with this backend's queue recording instead of running
    /// (a CUDA graph capture) and returns the recording, ready to <see cref="CapturedGraph.Replay"/>.
    /// Nothing <paramref name="work"/> queues runs now: the first replay runs it. Its allocations
    /// come from a pool private to the graph (freed blocks are reused within the capture), host
    /// bookkeeping it defers with <see cref="GraphCapture.HostUpdate{T}"/> runs on each replay, and
    /// what cannot be captured (reading back, synchronising, host-to-device copies, freeing to the
    /// driver) throws. If <paramref name="work"/> throws, the capture is ended and dropped, the pool
    /// is released, and the queue works normally again.</summary>
    internal CapturedGraph CaptureGraph(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_capture is not null) throw new InvalidOperationException($"A CUDA graph is already being captured on {Device}.");
        var session = new CaptureSession();
        var pool = _allocator.BeginCapture();
        try
        {
            GraphCapture.Enter(session);
            try
            {
                _capture = session;
                _queue.BeginCapture();
                work();
                var graph = _queue.EndCapture();
                return new CapturedGraph(graph, pool, _allocator, session);
            }
            finally
            {
                _capture = null;
                GraphCapture.Exit();
            }
        }
        catch
        {
            _queue.AbortCapture();
            _allocator.ReleasePool(pool);
            throw;
        }
        finally
        {
            _allocator.EndCapture();
        }
    }

    /// <summary>GPU time of the work <paramref name="work"/> queues, in milliseconds, measured with a pair
    /// of CUDA events on the backend's stream (for benchmarks; wall-clock on a stand-in queue).</summary>
    internal double TimeMilliseconds(Action work)
    {
        if (_queue is DriverQueue driver) return driver.TimeMilliseconds(work);
        _queue.Synchronize();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        work();
        _queue.Synchronize();
        return watch.Elapsed.TotalMilliseconds;
    }

    public void Fill(Tensor y, double value, int n)
    {
        const string op = "fill";
        if (y.DType == DType.Float64)
        {
            if (BitConverter.DoubleToInt64Bits(value) == 0) _queue.Fill32(F64(y, n, op).Bits, 0, 2L * n);   // +0.0: all-zero words
            else Launch("fill_f64", Grid1D(n), F64(y, n, op), value, n);
            return;
        }
        var p = Words(y, n, op);
        var pattern = y.DType == DType.Float32 ? BitConverter.SingleToUInt32Bits((float)value) : (uint)checked((int)value);
        _queue.Fill32(p, pattern, n);
    }

    public void Copy(Tensor x, Tensor y, int n)
    {
        const string op = "copy";
        if (x.DType != y.DType)
            throw new ArgumentException($"{op}: operands have dtypes {x.DType.Name()} and {y.DType.Name()}; they must match.");
        var (src, dst) = x.DType == DType.Float64 ? (F64(x, n, op).Bits, F64(y, n, op).Bits) : (Words(x, n, op), Words(y, n, op));
        _queue.CopyOnDevice(dst, src, (long)n * x.DType.SizeInBytes());
    }

    public void Cast(Tensor x, Tensor y, int n)
    {
        if (x.DType == y.DType) Copy(x, y, n);
        else if (x.DType == DType.Float32 && y.DType == DType.Int32)
            Launch("cast_f32_to_i32", Grid1D(n), F32(x, n, "cast"), I32(y, n, "cast"), n);
        else if (x.DType == DType.Int32 && y.DType == DType.Float32)
            Launch("cast_i32_to_f32", Grid1D(n), I32(x, n, "cast"), F32(y, n, "cast"), n);
        else
            throw new NotSupportedException($"cast from {x.DType.Name()} to {y.DType.Name()} is not supported on the GPU ({Device}); float64 stays on the CPU.");
    }

    /// <summary>Launches a kernel by name on this backend's stream: <c>Launch("relu_forward", Grid1D(n), F32(x, n, k), F32(y, n, k), n)</c>.
    /// Errors name the kernel; with ENGINE_CUDA_SYNC=1 each launch is waited for.</summary>
    internal void Launch(string kernel, LaunchShape shape, params ReadOnlySpan<KernelArg> args) => _queue.Launch(kernel, shape, args);

    // ---- launch shapes ---------------------------------------------------------------------------

    /// <summary>Grid-stride elementwise launch over <paramref name="n"/> elements.</summary>
    internal LaunchShape Grid1D(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return new((uint)Math.Min((n + ThreadsPerBlock - 1) / ThreadsPerBlock, _maxGrid), ThreadsPerBlock);
    }

    /// <summary>One block per row (or channel, or output), sized to the work per row: 32 threads
    /// for short rows up to 256 for long ones. At most 64 blocks per SM; they loop over the rest.</summary>
    internal LaunchShape BlockPerRow(long rows, long perRow)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return new((uint)Math.Min(rows, _maxGrid * 2L), ThreadsFor(perRow));
    }

    /// <summary>One warp per row, eight warps per block.</summary>
    internal LaunchShape WarpPerRow(long rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return new((uint)Math.Min((rows * 32 + ThreadsPerBlock - 1) / ThreadsPerBlock, _maxGrid), ThreadsPerBlock);
    }

    internal static uint ThreadsFor(long work) =>
        work >= ThreadsPerBlock ? ThreadsPerBlock : work <= 32 ? 32u : BitOperations.RoundUpToPowerOf2((uint)work);

    // ---- arguments -------------------------------------------------------------------------------

    /// <summary>A float32 tensor of this device with at least <paramref name="need"/> elements.</summary>
    internal KernelArg F32(Tensor t, long need, string kernel) => KernelArg.Pointer(PointerOf(t, need, kernel, DType.Float32));

    /// <summary>Same, or a null pointer (the kernel skips that output).</summary>
    internal KernelArg F32(Tensor? t, long need, string kernel, bool optional) =>
        t is null && optional ? KernelArg.Pointer(0) : F32(t!, need, kernel);

    internal KernelArg I32(Tensor t, long need, string kernel) => KernelArg.Pointer(PointerOf(t, need, kernel, DType.Int32));

    /// <summary>A float64 buffer: only metric accumulators and fills/copies take one.</summary>
    internal KernelArg F64(Tensor t, long need, string kernel) => KernelArg.Pointer(PointerOf(t, need, kernel, DType.Float64));

    /// <summary>A float32 or int32 tensor: kernels that move raw 32-bit words.</summary>
    private ulong Words(Tensor t, long need, string kernel) =>
        PointerOf(t, need, kernel, t.DType == DType.Int32 ? DType.Int32 : DType.Float32);

    private ulong PointerOf(Tensor t, long need, string kernel, DType expected)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Device != Device || t.Storage is not CudaStorage storage)
            throw new ArgumentException($"{kernel}: received a tensor of shape {t.Shape} on {t.Device}, but this backend runs on {Device}; move it with To({Device}).");
        if (t.DType != expected)
        {
            if (t.DType == DType.Float64)
                throw new NotSupportedException($"{kernel}: float64 is not supported by the GPU kernels ({Device}); use float32 tensors there, or run float64 work (e.g. gradient checks) on Device.Cpu.");
            throw new ArgumentException($"{kernel} expects a {expected.Name()} tensor here; received {t.DType.Name()} of shape {t.Shape}.");
        }
        if (need < 0) throw new ArgumentOutOfRangeException(nameof(need), need, $"{kernel}: sizes must be >= 0.");
        if (need > t.Size)
            throw new ArgumentException($"{kernel}: a tensor of shape {t.Shape} has {t.Size} elements, but the kernel would touch {need}.");
        _capture?.Used(storage);
        return storage.Pointer + (ulong)((long)t.Offset * t.DType.SizeInBytes());
    }

    public void Dispose()
    {
        _queue.AbortCapture();
        _allocator.EmptyCache();
        _queue.Dispose();
    }
}
