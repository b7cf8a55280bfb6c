namespace Engine.Cuda;

/// <summary>CUDA graph capture on one stream: which thread is recording, how many operations it
/// recorded, and the rules while it does (only that thread may queue work; calls a graph cannot
/// hold are refused). <see cref="DriverQueue"/> asks it before every stream operation.</summary>
internal sealed class StreamCapture(DeviceContext context, nint stream)
{
    private int _thread;      // managed id of the thread capturing a graph on the stream; 0 when none
    private int _operations;

    public bool IsCapturing => _thread != 0;

    /// <summary>ENGINE_CUDA_CAPTURE_MODE=global|thread_local|relaxed overrides the mode (for
    /// diagnosing a capture that a library call invalidates on some driver, without a rebuild).</summary>
    internal static int Mode { get; } = Environment.GetEnvironmentVariable("ENGINE_CUDA_CAPTURE_MODE")?.Trim().ToLowerInvariant() switch
    {
        "global" => Driver.CaptureModeGlobal,
        "relaxed" => Driver.CaptureModeRelaxed,
        _ => Driver.CaptureModeThreadLocal,
    };

    /// <summary>Operations that go on the stream: during a capture they must come from the capturing
    /// thread (anything else queued on the stream would be recorded into that thread's graph).</summary>
    public void EnterStream(string operation, string? kernel)
    {
        if (_thread == 0) return;
        if (_thread != Environment.CurrentManagedThreadId)
            throw new CudaException(
                $"{operation}{(kernel is null ? "" : $" of '{kernel}'")} was called from thread {Environment.CurrentManagedThreadId} while thread {_thread} " +
                $"is capturing a CUDA graph on {context.Device}; it would be recorded into that graph. Wait until the capture ends.");
        _operations++;
    }

    /// <summary>Refuses an operation that a graph cannot contain (see CudaQueue).</summary>
    public void Forbid(string operation)
    {
        if (_thread != 0) throw GraphCapture.Forbidden(operation, context.Device);
    }

    /// <summary>cuMemAlloc and cuMemGetInfo are "potentially unsafe" during a capture (they are not
    /// stream-ordered, so the capture cannot see them) and the driver refuses them from the capturing
    /// thread in global and thread-local mode. Ours are safe: a block allocated now belongs to the
    /// graph's pool and is not freed while the graph exists (PyTorch's allocator does the same). So
    /// the thread is switched to relaxed for the one call; returns the mode to restore.</summary>
    public int? RelaxMode()
    {
        if (_thread == 0) return null;
        var mode = Driver.CaptureModeRelaxed;
        context.Check(Driver.cuThreadExchangeStreamCaptureMode(ref mode));
        return mode;
    }

    public void RestoreMode(int? previous)
    {
        if (previous is not { } mode) return;
        context.Check(Driver.cuThreadExchangeStreamCaptureMode(ref mode));
    }

    public void Begin()
    {
        if (_thread != 0)
            throw new InvalidOperationException($"A CUDA graph is already being captured on {context.Device}; captures cannot be nested.");
        // THREAD_LOCAL: the driver refuses "potentially unsafe" calls (synchronising, legacy-stream
        // copies, cuMemFree, …) made by this thread during the capture, so a mistake fails the
        // capture loudly instead of baking a wrong graph; other threads (another model on another
        // GPU, a data loader) are not affected, as they would be with GLOBAL. RELAXED would let such
        // mistakes through unnoticed. The one unsafe call we do need, cuMemAlloc for the graph's
        // pool, relaxes this thread for just that call (RelaxMode).
        context.Check(Driver.cuStreamBeginCapture_v2(stream, Mode));
        _thread = Environment.CurrentManagedThreadId;
        _operations = 0;
    }

    /// <summary>Ends the capture and instantiates what it recorded: the executable graph (CUgraphExec)
    /// and the number of operations in it.</summary>
    public (nint Exec, int Operations) End()
    {
        if (_thread == 0) throw new InvalidOperationException($"EndCapture was called on {context.Device} without BeginCapture.");
        if (_thread != Environment.CurrentManagedThreadId)
            throw new CudaException($"EndCapture must be called on the thread that began the capture (thread {_thread}); this is thread {Environment.CurrentManagedThreadId}.");
        _thread = 0;
        var ended = Driver.cuStreamEndCapture(stream, out var graph);
        if (ended != CuResult.Success)
        {
            if (graph != 0) Driver.cuGraphDestroy(graph);
            context.Check(ended, call: "cuStreamEndCapture (a call during the capture could not be captured and invalidated it)");
        }
        try
        {
            // Flags 0: no auto-free (the graph has no memory nodes: our pool allocates outside it), no
            // device launch. The executable graph is independent of the graph, which is freed at once.
            context.Check(Driver.cuGraphInstantiateWithFlags(out var exec, graph, 0));
            return (exec, _operations);
        }
        finally
        {
            Driver.cuGraphDestroy(graph);
        }
    }

    /// <summary>Ends a capture whatever state it is in and drops what it recorded; never throws.</summary>
    public void Abort()
    {
        if (_thread == 0) return;
        _thread = 0;
        try
        {
            context.MakeCurrent();
            // An invalidated capture ends with an error and no graph.
            Driver.cuStreamEndCapture(stream, out var graph);
            if (graph != 0) Driver.cuGraphDestroy(graph);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CudaException)
        {
        }
    }
}
