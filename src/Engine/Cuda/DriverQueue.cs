using System.Runtime.CompilerServices;
using System.Text;
using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>One GPU driven through the CUDA driver API: its primary context (made current on
/// whichever thread calls), one non-blocking stream that carries all work in order, the kernel
/// modules loaded into the context, and a cuBLAS handle bound to the stream. After a sticky error
/// (illegal address, launch failure, …) the context is unusable; every later call is refused with
/// an exception that says so instead of hanging or returning garbage.</summary>
internal sealed unsafe partial class DriverQueue : CudaQueue
{
    [ThreadStatic] private static nint _currentContext;

    private readonly int _ordinal;
    private readonly int _cuDevice;
    private readonly nint _context;
    private readonly nint _stream;
    private readonly object _lock = new();
    private readonly Dictionary<string, nint> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _modules = new(StringComparer.Ordinal);
    private nint _cublas;
    private ulong _cublasWorkspace;
    private readonly ContextPoison _poison = new();
    private string? _lastKernel;
    private bool _disposed;
    private int _captureThread;      // managed id of the thread capturing a graph on the stream; 0 when none
    private int _capturedOperations;

    public DriverQueue(int ordinal)
    {
        CudaLibraries.Require(NativeLibrarySpec.Driver);
        CudaCheck.ThrowIfFailed(Driver.cuInit(0));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetCount(out var count));
        if (ordinal < 0 || ordinal >= count)
            throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"There is no CUDA device {ordinal}; this machine has {count} (cuda:0 … cuda:{count - 1}).");
        _ordinal = ordinal;
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGet(out _cuDevice, ordinal));
        DeviceName = CudaInfo.DeviceNameOf(_cuDevice);
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var sms, DeviceAttribute.MultiprocessorCount, _cuDevice));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var major, DeviceAttribute.ComputeCapabilityMajor, _cuDevice));
        CudaCheck.ThrowIfFailed(Driver.cuDeviceGetAttribute(out var minor, DeviceAttribute.ComputeCapabilityMinor, _cuDevice));
        MultiprocessorCount = sms;
        ComputeCapability = major * 10 + minor;
        CudaCheck.ThrowIfFailed(Driver.cuDevicePrimaryCtxRetain(out _context, _cuDevice));
        MakeCurrent();
        CudaCheck.ThrowIfFailed(Driver.cuStreamCreate(out _stream, Driver.StreamNonBlocking));
        SyncEachLaunch = Environment.GetEnvironmentVariable(CudaCheck.SyncVariable) == "1";
    }

    public override Device Device => Device.Cuda(_ordinal);

    public override string DeviceName { get; }

    public override int MultiprocessorCount { get; }

    /// <summary>10·major + minor (90 for an H100).</summary>
    public int ComputeCapability { get; }

    /// <summary>ENGINE_CUDA_SYNC=1: wait after every launch so an error names the kernel that caused it.</summary>
    public bool SyncEachLaunch { get; set; }

    internal nint Stream => _stream;

    /// <summary>Makes this device's primary context current on the calling thread (cheap when it already is).</summary>
    private void MakeCurrent()
    {
        if (_currentContext == _context) return;
        CudaCheck.ThrowIfFailed(Driver.cuCtxSetCurrent(_context));
        _currentContext = _context;
    }

    /// <summary>Every operation starts here: refuse work on a poisoned context, then bind it to this thread.</summary>
    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _poison.ThrowIfPoisoned(Device);
        MakeCurrent();
    }

    /// <summary>Operations that go on the stream: during a capture they must come from the capturing
    /// thread (anything else queued on the stream would be recorded into that thread's graph).</summary>
    private void EnterStream(string operation, string? kernel = null)
    {
        Enter();
        if (_captureThread == 0) return;
        if (_captureThread != Environment.CurrentManagedThreadId)
            throw new CudaException(
                $"{operation}{(kernel is null ? "" : $" of '{kernel}'")} was called from thread {Environment.CurrentManagedThreadId} while thread {_captureThread} " +
                $"is capturing a CUDA graph on {Device}; it would be recorded into that graph. Wait until the capture ends.");
        _capturedOperations++;
    }

    /// <summary>Refuses an operation that a graph cannot contain (see CudaQueue).</summary>
    private void ForbidDuringCapture(string operation)
    {
        if (_captureThread != 0) throw GraphCapture.Forbidden(operation, Device);
    }

    /// <summary>cuMemAlloc and cuMemGetInfo are "potentially unsafe" during a capture (they are not
    /// stream-ordered, so the capture cannot see them) and the driver refuses them from the capturing
    /// thread in global and thread-local mode. Ours are safe: a block allocated now belongs to the
    /// graph's pool and is not freed while the graph exists (PyTorch's allocator does the same). So
    /// the thread is switched to relaxed for the one call; returns the mode to restore.</summary>
    private int? RelaxCaptureMode()
    {
        if (_captureThread == 0) return null;
        var mode = Driver.CaptureModeRelaxed;
        Check(Driver.cuThreadExchangeStreamCaptureMode(ref mode));
        return mode;
    }

    private void RestoreCaptureMode(int? previous)
    {
        if (previous is not { } mode) return;
        Check(Driver.cuThreadExchangeStreamCaptureMode(ref mode));
    }

    /// <summary>Checks a driver status: names the call and the kernel, and remembers sticky errors.</summary>
    private void Check(CuResult status, string? kernel = null, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status == CuResult.Success) return;
        var error = CudaCheck.Error(status, call, kernel, kernel is null ? _lastKernel : null);
        _poison.Note(error);
        throw error;
    }

    /// <summary>Checks a cuBLAS status; an execution failure poisons the context like a sticky driver error.</summary>
    private void CheckCublas(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status == Cublas.StatusSuccess) return;
        var error = Cublas.Error(status, call, "cublas gemm");
        _poison.Note(error);
        throw error;
    }

    public override bool TryAllocate(long bytes, out ulong pointer)
    {
        Enter();
        var previous = RelaxCaptureMode();
        CuResult status;
        try { status = Driver.cuMemAlloc_v2(out pointer, (nuint)bytes); }
        finally { RestoreCaptureMode(previous); }
        if (status == CuResult.OutOfMemory) return false;
        Check(status);
        return true;
    }

    public override void FreeMemory(ulong pointer)
    {
        Enter();
        ForbidDuringCapture("FreeMemory (cuMemFree, which waits for the GPU)");
        Check(Driver.cuMemFree_v2(pointer));
    }

    public override (long Free, long Total) MemoryInfo()
    {
        Enter();
        var previous = RelaxCaptureMode();
        CuResult status;
        nuint free, total;
        try { status = Driver.cuMemGetInfo_v2(out free, out total); }
        finally { RestoreCaptureMode(previous); }
        Check(status, call: "cuMemGetInfo_v2");
        return ((long)free, (long)total);
    }

    public override void CopyToDevice(ulong destination, void* source, long bytes)
    {
        if (bytes == 0) return;
        Enter();
        ForbidDuringCapture("CopyToDevice (a host-to-device copy from a host buffer that will not outlive the capture)");
        if (TryStagedUpload(destination, source, bytes)) return;
        // Pageable host memory: the async copy is staged, and we wait so the caller may reuse the source.
        Check(Driver.cuMemcpyHtoDAsync_v2(destination, source, (nuint)bytes, _stream));
        Check(Driver.cuStreamSynchronize(_stream));
    }

    public override void CopyToHost(void* destination, ulong source, long bytes)
    {
        if (bytes == 0) return;
        Enter();
        ForbidDuringCapture("CopyToHost (a device-to-host copy, which waits for the GPU)");
        Check(Driver.cuMemcpyDtoHAsync_v2(destination, source, (nuint)bytes, _stream));
        Check(Driver.cuStreamSynchronize(_stream));
    }

    public override void CopyOnDevice(ulong destination, ulong source, long bytes)
    {
        if (bytes == 0) return;
        EnterStream("CopyOnDevice");
        Check(Driver.cuMemcpyDtoDAsync_v2(destination, source, (nuint)bytes, _stream));
    }

    public override void Fill32(ulong destination, uint pattern, long count)
    {
        if (count == 0) return;
        EnterStream("Fill32");
        Check(Driver.cuMemsetD32Async(destination, pattern, (nuint)count, _stream));
    }

    public override void Launch(string kernel, LaunchShape shape, ReadOnlySpan<KernelArg> args)
    {
        if (shape.IsEmpty) return;
        EnterStream("Launch", kernel);
        var function = Function(kernel);
        var slots = stackalloc void*[Math.Max(1, args.Length)];
        fixed (KernelArg* a = args)
        {
            // Each slot points at the argument's 8-byte value; the driver reads the parameter's size from it.
            for (var i = 0; i < args.Length; i++) slots[i] = &a[i];
            _lastKernel = kernel;
            Check(Driver.cuLaunchKernel(function, shape.GridX, shape.GridY, 1, shape.BlockX, shape.BlockY, 1, shape.SharedBytes,
                _stream, slots, null), kernel);
        }
        if (SyncEachLaunch && _captureThread == 0) Check(Driver.cuStreamSynchronize(_stream), kernel);
    }

    public override void Synchronize()
    {
        Enter();
        ForbidDuringCapture("Synchronize (waiting for the GPU)");
        Check(Driver.cuStreamSynchronize(_stream));
    }

    /// <summary>The CUfunction of a kernel, loading (and if needed compiling) its file's module on first use.</summary>
    private nint Function(string kernel)
    {
        lock (_lock)
        {
            if (_functions.TryGetValue(kernel, out var f)) return f;
            var file = KernelSources.FileOf(kernel);
            if (!_modules.ContainsKey(file.Name))
            {
                // Loading a module is not stream-ordered work; run each kernel once before capturing (warm-up).
                ForbidDuringCapture($"Loading the kernel module {file.Name} (first use of '{kernel}')");
                LoadModule(file);
            }
            return _functions[kernel];
        }
    }

    private void LoadModule(KernelFile file)
    {
        var (module, _) = ModuleImages.Load(file.Name, ComputeCapability, KernelCompiler.SupportedArchitectures(), new ImageLoader(this, file));
        _modules[file.Name] = module;
        foreach (var name in file.Kernels)
        {
            Check(Driver.cuModuleGetFunction(out var function, module, name), call: $"cuModuleGetFunction({name})");
            _functions[name] = function;
        }
    }

    /// <summary>NVRTC and cuModuleLoadData for <see cref="ModuleImages"/>.</summary>
    private sealed class ImageLoader(DriverQueue queue, KernelFile file) : ModuleImages.ILoader
    {
        public string NvrtcVersion => KernelCompiler.VersionString;

        public string DriverVersion => CudaInfo.DriverVersionString();

        public byte[] CompileCubin(int arch) => KernelPtx.GetCubin(file, arch);

        public byte[] CompilePtx(int arch) => System.Text.Encoding.UTF8.GetBytes(KernelPtx.Get(file, arch) + "\0");

        public (CuResult Status, nint Module) Load(byte[] image)
        {
            nint module;
            CuResult status;
            fixed (byte* p = image) status = Driver.cuModuleLoadData(out module, p);
            return (status, module);
        }

        public void Fail(CuResult status, string call) => queue.Check(status, call: call);
    }

    public override void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc, bool tf32)
    {
        EnterStream("Sgemm");
        var handle = CublasHandle();
        var opA = transA ? Cublas.OpT : Cublas.OpN;
        var opB = transB ? Cublas.OpT : Cublas.OpN;
        _lastKernel = "cublas gemm";
        if (tf32)
        {
            // TF32 tensor cores: opt-in, ~10 mantissa bits per product.
            CheckCublas(Cublas.cublasGemmEx(handle, opA, opB, m, n, k, &alpha, a, Cublas.CudaR32F, lda, b, Cublas.CudaR32F, ldb,
                &beta, c, Cublas.CudaR32F, ldc, Cublas.Compute32FFastTf32, Cublas.GemmDefault));
        }
        else
        {
            CheckCublas(Cublas.cublasSgemm_v2(handle, opA, opB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
        }
        if (SyncEachLaunch && _captureThread == 0) Check(Driver.cuStreamSynchronize(_stream), "cublas gemm");
    }

    /// <summary>Created on first GEMM: kernels-only work never loads cuBLAS. The handle runs on our
    /// stream and gets its own workspace, so it never allocates behind the caching allocator's
    /// back (which CUDA graph capture also requires).</summary>
    private nint CublasHandle()
    {
        if (_cublas != 0) return _cublas;
        // cublasCreate allocates and synchronises; run one GEMM before capturing (warm-up).
        ForbidDuringCapture("Creating the cuBLAS handle (the first GEMM)");
        CudaLibraries.Require(NativeLibrarySpec.Cublas);
        Cublas.Check(Cublas.cublasCreate_v2(out var handle));
        Cublas.Check(Cublas.cublasSetStream_v2(handle, _stream));
        Cublas.Check(Cublas.cublasSetMathMode(handle, Cublas.DefaultMath));
        const long workspaceBytes = 32L << 20; // NVIDIA's recommendation for Hopper; ample for older GPUs
        try
        {
            if (TryAllocate(workspaceBytes, out var workspace))
            {
                Cublas.Check(Cublas.cublasSetWorkspace_v2(handle, workspace, (nuint)workspaceBytes));
                _cublasWorkspace = workspace;
            }
        }
        catch (EntryPointNotFoundException)
        {
            // cuBLAS before 11.4 has no cublasSetWorkspace; it then manages its own.
        }
        _cublas = handle;
        return handle;
    }

    /// <summary>Times queued work with a pair of events (for benchmarks): milliseconds on the GPU.</summary>
    public float TimeMilliseconds(Action work)
    {
        Enter();
        ForbidDuringCapture("TimeMilliseconds (it waits for an event)");
        Check(Driver.cuEventCreate(out var start, Driver.EventDefault));
        Check(Driver.cuEventCreate(out var end, Driver.EventDefault));
        try
        {
            Check(Driver.cuEventRecord(start, _stream));
            work();
            Check(Driver.cuEventRecord(end, _stream));
            Check(Driver.cuEventSynchronize(end));
            Check(Driver.cuEventElapsedTime(out var ms, start, end));
            return ms;
        }
        finally
        {
            Driver.cuEventDestroy_v2(start);
            Driver.cuEventDestroy_v2(end);
        }
    }

    // ---- CUDA graphs ------------------------------------------------------------------------------

    public override bool IsCapturing => _captureThread != 0;

    public override void BeginCapture()
    {
        Enter();
        if (_captureThread != 0)
            throw new InvalidOperationException($"A CUDA graph is already being captured on {Device}; captures cannot be nested.");
        // THREAD_LOCAL: the driver refuses "potentially unsafe" calls (synchronising, legacy-stream
        // copies, cuMemFree, …) made by this thread during the capture, so a mistake fails the
        // capture loudly instead of baking a wrong graph; other threads (another model on another
        // GPU, a data loader) are not affected, as they would be with GLOBAL. RELAXED would let such
        // mistakes through unnoticed. The one unsafe call we do need, cuMemAlloc for the graph's
        // pool, relaxes this thread for just that call (TryAllocate).
        Check(Driver.cuStreamBeginCapture_v2(_stream, CaptureMode));
        _captureThread = Environment.CurrentManagedThreadId;
        _capturedOperations = 0;
    }

    /// <summary>ENGINE_CUDA_CAPTURE_MODE=global|thread_local|relaxed overrides the mode (for
    /// diagnosing a capture that a library call invalidates on some driver, without a rebuild).</summary>
    internal static int CaptureMode { get; } = Environment.GetEnvironmentVariable("ENGINE_CUDA_CAPTURE_MODE")?.Trim().ToLowerInvariant() switch
    {
        "global" => Driver.CaptureModeGlobal,
        "relaxed" => Driver.CaptureModeRelaxed,
        _ => Driver.CaptureModeThreadLocal,
    };

    public override CudaGraph EndCapture()
    {
        Enter();
        if (_captureThread == 0) throw new InvalidOperationException($"EndCapture was called on {Device} without BeginCapture.");
        if (_captureThread != Environment.CurrentManagedThreadId)
            throw new CudaException($"EndCapture must be called on the thread that began the capture (thread {_captureThread}); this is thread {Environment.CurrentManagedThreadId}.");
        _captureThread = 0;
        var ended = Driver.cuStreamEndCapture(_stream, out var graph);
        if (ended != CuResult.Success)
        {
            if (graph != 0) Driver.cuGraphDestroy(graph);
            Check(ended, call: "cuStreamEndCapture (a call during the capture could not be captured and invalidated it)");
        }
        try
        {
            // Flags 0: no auto-free (the graph has no memory nodes: our pool allocates outside it), no
            // device launch. The executable graph is independent of the graph, which is freed at once.
            Check(Driver.cuGraphInstantiateWithFlags(out var exec, graph, 0));
            return new DriverGraph(this, exec, _capturedOperations);
        }
        finally
        {
            Driver.cuGraphDestroy(graph);
        }
    }

    public override void AbortCapture()
    {
        if (_captureThread == 0 || _disposed) return;
        _captureThread = 0;
        try
        {
            MakeCurrent();
            // Ends the capture whatever state it is in (an invalidated capture ends with an error and no graph).
            Driver.cuStreamEndCapture(_stream, out var graph);
            if (graph != 0) Driver.cuGraphDestroy(graph);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CudaException)
        {
        }
    }

    private void LaunchGraph(nint exec)
    {
        Enter();
        ForbidDuringCapture("Replaying a CUDA graph");
        _lastKernel = "CUDA graph replay";
        Check(Driver.cuGraphLaunch(exec, _stream));
        if (SyncEachLaunch) Check(Driver.cuStreamSynchronize(_stream), "CUDA graph replay");
    }

    private void DestroyGraph(nint exec)
    {
        // cuGraphExecDestroy of a graph still running frees it when it completes; no wait needed.
        if (_disposed || _poison.Error is not null) return;
        MakeCurrent();
        Driver.cuGraphExecDestroy(exec);
    }

    /// <summary>An instantiated CUDA graph (CUgraphExec) replayed on the queue's stream.</summary>
    private sealed class DriverGraph(DriverQueue queue, nint exec, int operations) : CudaGraph
    {
        private nint _exec = exec;

        public override int OperationCount => operations;

        public override void Replay()
        {
            ObjectDisposedException.ThrowIf(_exec == 0, this);
            queue.LaunchGraph(_exec);
        }

        public override void Dispose()
        {
            var e = Interlocked.Exchange(ref _exec, 0);
            if (e != 0) queue.DestroyGraph(e);
        }
    }

    public override void Dispose()
    {
        if (_disposed) return;
        AbortCapture();
        if (_poison.Error is null)
        {
            MakeCurrent();
            Driver.cuStreamSynchronize(_stream);
            if (_cublas != 0) Cublas.cublasDestroy_v2(_cublas);
            if (_cublasWorkspace != 0) Driver.cuMemFree_v2(_cublasWorkspace);
            FreeStaging();
            foreach (var module in _modules.Values) Driver.cuModuleUnload(module);
            Driver.cuStreamDestroy_v2(_stream);
        }
        Driver.cuDevicePrimaryCtxRelease_v2(_cuDevice);
        _disposed = true;
    }
}
