using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Graph capture for the stand-in queues, with the driver's rules: between Begin and End,
/// stream work (launches, GEMMs, device copies, fills) is recorded instead of run and re-run by each
/// replay; what a graph cannot hold throws <see cref="GraphCapture.Forbidden"/>; work from another
/// thread, or a kernel or cuBLAS used for the first time, is refused as DriverQueue refuses it.</summary>
internal sealed class CaptureRecorder(Device device)
{
    private List<Action>? _recording;
    private int _thread;
    private readonly HashSet<string> _warm = new(StringComparer.Ordinal);

    public bool IsCapturing => _recording is not null;

    public int Captures { get; private set; }

    /// <summary>When set, replays throw it (as a refused cuGraphLaunch would), for fallback tests.</summary>
    public Exception? ReplayFailure { get; set; }

    /// <summary>Runs <paramref name="op"/> now, or records it when capturing.</summary>
    public void Run(string operation, Action op)
    {
        if (_recording is null)
        {
            op();
            return;
        }
        if (_thread != Environment.CurrentManagedThreadId)
            throw new CudaException($"{operation} was called from thread {Environment.CurrentManagedThreadId} while thread {_thread} is capturing a CUDA graph on {device}.");
        _recording.Add(op);
    }

    /// <summary>Throws when <paramref name="operation"/> happens during a capture.</summary>
    public void Forbid(string operation)
    {
        if (_recording is not null) throw GraphCapture.Forbidden(operation, device);
    }

    /// <summary>Kernels (and cuBLAS) must have run once before a capture, as modules load on first use.</summary>
    public void FirstUse(string what, string operation)
    {
        if (_warm.Contains(what)) return;
        Forbid(operation);
        _warm.Add(what);
    }

    /// <summary>cuBLAS picks kernels by GEMM shape, and with lazy loading (the CUDA 12+ default) a
    /// kernel is loaded on its first use, which a capture cannot contain: a shape must have run
    /// eagerly before it is captured (stricter than some drivers, as a stand-in should be).</summary>
    public void FirstGemmOfShape(bool transA, bool transB, int m, int n, int k) =>
        FirstUse($"cublas gemm {(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')} {m}x{n}x{k}",
            $"cuBLAS loading its kernel for a new GEMM shape ({(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')} {m}×{n}×{k}; lazy module loading)");

    public void Begin()
    {
        if (_recording is not null) throw new InvalidOperationException($"A CUDA graph is already being captured on {device}; captures cannot be nested.");
        _recording = [];
        _thread = Environment.CurrentManagedThreadId;
    }

    public CudaGraph End()
    {
        if (_recording is null) throw new InvalidOperationException($"EndCapture was called on {device} without BeginCapture.");
        var ops = _recording.ToArray();
        _recording = null;
        Captures++;
        return new RecordedGraph(this, ops);
    }

    public void Abort() => _recording = null;

    /// <summary>The recorded operations, re-run in order by each replay.</summary>
    private sealed class RecordedGraph(CaptureRecorder recorder, Action[] ops) : CudaGraph
    {
        private bool _disposed;

        public override int OperationCount => ops.Length;

        public override void Replay()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            recorder.Forbid("Replaying a CUDA graph");
            if (recorder.ReplayFailure is { } failure) throw failure;
            foreach (var op in ops) op();
        }

        public override void Dispose() => _disposed = true;
    }
}
