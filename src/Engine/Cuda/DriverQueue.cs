using System.Runtime.CompilerServices;
using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>One GPU driven through the CUDA driver API: one non-blocking stream that carries all
/// work in order, in the device's primary context (<see cref="DeviceContext"/>: made current on
/// whichever thread calls, refusing work after a sticky error). Kernels come from
/// <see cref="KernelModules"/>, GEMMs go through <see cref="CublasGemm"/>, small uploads through
/// <see cref="StagedUploads"/>, and <see cref="StreamCapture"/> records the stream into CUDA graphs.</summary>
internal sealed unsafe class DriverQueue : CudaQueue
{
    private readonly DeviceContext _context;
    private readonly nint _stream;
    private readonly StreamCapture _capture;
    private readonly KernelModules _kernels;
    private readonly CublasGemm _gemm;
    private readonly StagedUploads _uploads;
    private bool _disposed;

    public DriverQueue(int ordinal)
    {
        _context = new DeviceContext(ordinal);
        CudaCheck.ThrowIfFailed(Driver.cuStreamCreate(out _stream, Driver.StreamNonBlocking));
        _capture = new StreamCapture(_context, _stream);
        _kernels = new KernelModules(_context, _capture);
        _gemm = new CublasGemm(_context, _capture, this, _stream);
        _uploads = new StagedUploads(_context, _stream);
        SyncEachLaunch = Environment.GetEnvironmentVariable(CudaCheck.SyncVariable) == "1";
    }

    public override Device Device => _context.Device;

    public override string DeviceName => _context.DeviceName;

    public override int MultiprocessorCount => _context.MultiprocessorCount;

    /// <summary>10·major + minor (90 for an H100).</summary>
    public int ComputeCapability => _context.ComputeCapability;

    /// <summary>ENGINE_CUDA_SYNC=1: wait after every launch so an error names the kernel that caused it.</summary>
    public bool SyncEachLaunch { get; set; }

    internal nint Stream => _stream;

    /// <summary>Every operation starts here: refuse work on a disposed queue or a poisoned context,
    /// then bind the context to this thread.</summary>
    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.Enter();
    }

    /// <summary>Operations that go on the stream (and so into a graph being captured).</summary>
    private void EnterStream(string operation, string? kernel = null)
    {
        Enter();
        _capture.EnterStream(operation, kernel);
    }

    private void Check(CuResult status, string? kernel = null, [CallerArgumentExpression(nameof(status))] string call = "") =>
        _context.Check(status, kernel, call);

    public override bool TryAllocate(long bytes, out ulong pointer)
    {
        Enter();
        var previous = _capture.RelaxMode();
        CuResult status;
        try { status = Driver.cuMemAlloc_v2(out pointer, (nuint)bytes); }
        finally { _capture.RestoreMode(previous); }
        if (status == CuResult.OutOfMemory) return false;
        Check(status);
        return true;
    }

    public override void FreeMemory(ulong pointer)
    {
        Enter();
        _capture.Forbid("FreeMemory (cuMemFree, which waits for the GPU)");
        Check(Driver.cuMemFree_v2(pointer));
    }

    public override (long Free, long Total) MemoryInfo()
    {
        Enter();
        var previous = _capture.RelaxMode();
        CuResult status;
        nuint free, total;
        try { status = Driver.cuMemGetInfo_v2(out free, out total); }
        finally { _capture.RestoreMode(previous); }
        Check(status, call: "cuMemGetInfo_v2");
        return ((long)free, (long)total);
    }

    public override void CopyToDevice(ulong destination, void* source, long bytes)
    {
        if (bytes == 0) return;
        Enter();
        _capture.Forbid("CopyToDevice (a host-to-device copy from a host buffer that will not outlive the capture)");
        if (_uploads.TryUpload(destination, source, bytes, SyncEachLaunch)) return;
        // Pageable host memory: the async copy is staged, and we wait so the caller may reuse the source.
        Check(Driver.cuMemcpyHtoDAsync_v2(destination, source, (nuint)bytes, _stream));
        Check(Driver.cuStreamSynchronize(_stream));
    }

    public override void CopyToHost(void* destination, ulong source, long bytes)
    {
        if (bytes == 0) return;
        Enter();
        _capture.Forbid("CopyToHost (a device-to-host copy, which waits for the GPU)");
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
        var function = _kernels.Function(kernel);
        var slots = stackalloc void*[Math.Max(1, args.Length)];
        fixed (KernelArg* a = args)
        {
            // Each slot points at the argument's 8-byte value; the driver reads the parameter's size from it.
            for (var i = 0; i < args.Length; i++) slots[i] = &a[i];
            _context.LastKernel = kernel;
            Check(Driver.cuLaunchKernel(function, shape.GridX, shape.GridY, 1, shape.BlockX, shape.BlockY, 1, shape.SharedBytes,
                _stream, slots, null), kernel);
        }
        if (SyncEachLaunch && !_capture.IsCapturing) Check(Driver.cuStreamSynchronize(_stream), kernel);
    }

    public override void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc, bool tf32)
    {
        EnterStream("Sgemm");
        _gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, tf32);
        if (SyncEachLaunch && !_capture.IsCapturing) Check(Driver.cuStreamSynchronize(_stream), "cublas gemm");
    }

    public override void Synchronize()
    {
        Enter();
        _capture.Forbid("Synchronize (waiting for the GPU)");
        Check(Driver.cuStreamSynchronize(_stream));
    }

    /// <summary>Times queued work with a pair of events (for benchmarks): milliseconds on the GPU.</summary>
    public float TimeMilliseconds(Action work)
    {
        Enter();
        _capture.Forbid("TimeMilliseconds (it waits for an event)");
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

    public override bool IsCapturing => _capture.IsCapturing;

    public override void BeginCapture()
    {
        Enter();
        _capture.Begin();
    }

    public override CudaGraph EndCapture()
    {
        Enter();
        var (exec, operations) = _capture.End();
        return new DriverGraph(this, exec, operations);
    }

    public override void AbortCapture()
    {
        if (_disposed) return;
        _capture.Abort();
    }

    internal void LaunchGraph(nint exec)
    {
        Enter();
        _capture.Forbid("Replaying a CUDA graph");
        _context.LastKernel = "CUDA graph replay";
        Check(Driver.cuGraphLaunch(exec, _stream));
        if (SyncEachLaunch) Check(Driver.cuStreamSynchronize(_stream), "CUDA graph replay");
    }

    internal void DestroyGraph(nint exec)
    {
        // cuGraphExecDestroy of a graph still running frees it when it completes; no wait needed.
        if (_disposed || _context.IsPoisoned) return;
        _context.MakeCurrent();
        Driver.cuGraphExecDestroy(exec);
    }

    public override void Dispose()
    {
        if (_disposed) return;
        AbortCapture();
        if (!_context.IsPoisoned)
        {
            _context.MakeCurrent();
            Driver.cuStreamSynchronize(_stream);
            _gemm.Dispose();
            _uploads.Dispose();
            _kernels.Dispose();
            Driver.cuStreamDestroy_v2(_stream);
        }
        _context.Dispose();
        _disposed = true;
    }
}
