namespace Engine.Cuda;

/// <summary>A stretch of GPU work captured once by <see cref="Engine.Backends.CudaBackend.CaptureGraph"/>
/// and replayed as a unit: the queue's graph, the private memory pool its temporaries live in, the
/// host bookkeeping to repeat with each replay, and the buffers outside the pool that it reads and
/// writes (weights, gradients, metric sums, static inputs). Those outside buffers must stay alive
/// while the graph is used; <see cref="IsStale"/> says when one was freed (the model then captures
/// again instead of replaying into memory that may belong to someone else).</summary>
internal sealed class CapturedGraph : IDisposable
{
    private readonly CudaGraph _graph;
    private readonly GraphPool _pool;
    private readonly CachingAllocator _allocator;
    private readonly Action[] _hostUpdates;
    private readonly CudaStorage[] _external;
    private CudaStorage[] _created;
    private bool _disposed;

    internal CapturedGraph(CudaGraph graph, GraphPool pool, CachingAllocator allocator, CaptureSession session)
    {
        _graph = graph;
        _pool = pool;
        _allocator = allocator;
        _hostUpdates = session.HostUpdates();
        _external = session.External();
        _created = session.CreatedStorages();
    }

    /// <summary>Operations in the graph (kernel launches, GEMMs, copies, fills).</summary>
    public int OperationCount => _graph.OperationCount;

    /// <summary>Device memory reserved for the graph's temporaries.</summary>
    public long PoolBytes => _pool.OwnedBytes;

    public int Replays { get; private set; }

    /// <summary>True when a buffer the graph uses but does not own has been freed since the capture
    /// (a weight moved, a gradient dropped, a metric rebuilt): replaying would touch freed memory.</summary>
    public bool IsStale => _external.Any(s => s.IsReleased);

    /// <summary>Temporaries of the capture that are still alive. After the captured code's own
    /// scope has closed this should be zero; a survivor is state the capture created (a buffer made
    /// lazily on first use) that lives in the graph's pool and would be rewritten by every replay.</summary>
    public int LiveTemporaries => _created.Count(s => !s.IsReleased);

    /// <summary>Stops tracking the capture's temporaries (after the check above).</summary>
    public void ForgetTemporaries() => _created = [];

    /// <summary>Queues the captured work, then applies its host bookkeeping.</summary>
    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsStale)
            throw new InvalidOperationException("This CUDA graph uses a buffer that was freed after the capture (weights moved or rebuilt, gradients dropped); capture it again.");
        _graph.Replay();
        foreach (var update in _hostUpdates) update();
        Replays++;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _graph.Dispose();
        _allocator.ReleasePool(_pool);
    }
}
