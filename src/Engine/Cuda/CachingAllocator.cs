namespace Engine.Cuda;

/// <summary>Device-memory statistics of one GPU backend, in bytes.</summary>
/// <param name="AllocatedBytes">Held by live tensors (rounded to size classes).</param>
/// <param name="ReservedBytes">Obtained from the driver: allocated plus cached for reuse.</param>
/// <param name="PeakAllocatedBytes">The highest AllocatedBytes so far.</param>
/// <param name="DriverAllocations">How many times cuMemAlloc was called; flat in a steady training loop.</param>
/// <param name="CachedBlocks">Free blocks waiting for reuse.</param>
public sealed record CudaMemoryStats(long AllocatedBytes, long ReservedBytes, long PeakAllocatedBytes, long DriverAllocations, int CachedBlocks)
{
    /// <summary>Part of ReservedBytes owned by captured CUDA graphs (their temporaries, live or free);
    /// it returns to the general cache when the graphs are disposed.</summary>
    public long GraphPoolBytes { get; init; }
}

/// <summary>A caching allocator: freed blocks go to a bin for their size class instead of back
/// to the driver, and the next request of that class takes one (cuMemAlloc/cuMemFree are slow
/// and synchronise the device). All work runs on the backend's one stream, so a block freed by a
/// tensor can be handed out at once: any kernel that still uses it was queued before any kernel
/// that will use it next (stream-ordered reuse). Thread-safe; a finalizer may return a block.
/// While a CUDA graph is captured, allocations come from that graph's private <see cref="GraphPool"/>.</summary>
internal sealed class CachingAllocator
{
    private const long SmallLimit = 1L << 20;   // up to 1 MiB: classes every 512 bytes
    private const long SmallStep = 512;
    private const long LargeStep = 2L << 20;    // above: classes every 2 MiB

    private readonly CudaQueue _queue;
    private readonly object _lock = new();
    private readonly Dictionary<long, Stack<ulong>> _bins = new();
    private long _allocated, _reserved, _peak, _driverAllocations, _poolBytes;
    private int _cached;

    // Graph pools: the one being captured into, and the owner of every block a pool holds.
    private GraphPool? _capturing;
    private readonly Dictionary<ulong, GraphPool> _poolOf = new();

    public CachingAllocator(CudaQueue queue) => _queue = queue;

    /// <summary>The size class of a request: what is actually reserved for it.</summary>
    public static long SizeClass(long bytes) => bytes <= 0 ? 0
        : bytes <= SmallLimit ? RoundUp(bytes, SmallStep)
        : RoundUp(bytes, LargeStep);

    private static long RoundUp(long v, long step) => (v + step - 1) / step * step;

    /// <summary>A block of at least <paramref name="bytes"/>: (pointer, size class). Zero bytes
    /// gives a null pointer. When the driver is out of memory, the cache is emptied and the
    /// request retried once before <see cref="CudaOutOfMemoryException"/>.</summary>
    public (ulong Pointer, long Size) Allocate(long bytes)
    {
        var size = SizeClass(bytes);
        if (size == 0) return (0, 0);
        lock (_lock)
        {
            if (_capturing is { } pool) return AllocateForGraph(pool, size, bytes);
            if (!_bins.TryGetValue(size, out var bin) || !bin.TryPop(out var pointer))
            {
                if (!_queue.TryAllocate(size, out pointer))
                {
                    ReleaseCached();
                    if (!_queue.TryAllocate(size, out pointer))
                    {
                        var (free, total) = _queue.MemoryInfo();
                        throw new CudaOutOfMemoryException(_queue.Device.ToString(), bytes, free, total, _allocated, _reserved);
                    }
                }
                _reserved += size;
                _driverAllocations++;
            }
            else
            {
                _cached--;
            }
            _allocated += size;
            _peak = Math.Max(_peak, _allocated);
            return (pointer, size);
        }
    }

    /// <summary>During a capture: a free block of the graph's pool; else one from the general cache
    /// (it changes owner: it is free, and any earlier work on it is queued before the graph can run);
    /// else a new one from the driver. The cache is not emptied on out-of-memory here, because giving
    /// blocks back to the driver waits for the GPU, which a capture forbids.</summary>
    private (ulong, long) AllocateForGraph(GraphPool pool, long size, long requested)
    {
        if (!(pool.Free.TryGetValue(size, out var own) && own.TryPop(out var pointer)))
        {
            if (_bins.TryGetValue(size, out var bin) && bin.TryPop(out pointer))
            {
                _cached--;
            }
            else
            {
                if (!_queue.TryAllocate(size, out pointer))
                {
                    var (free, total) = _queue.MemoryInfo();
                    throw new CudaOutOfMemoryException(_queue.Device.ToString(), requested, free, total, _allocated, _reserved);
                }
                _reserved += size;
                _driverAllocations++;
            }
            Adopt(pool, pointer, size);
        }
        _allocated += size;
        _peak = Math.Max(_peak, _allocated);
        return (pointer, size);
    }

    private void Adopt(GraphPool pool, ulong pointer, long size)
    {
        _poolOf[pointer] = pool;
        pool.Bytes += size;
        _poolBytes += size;
    }

    /// <summary>The block no longer belongs to a (released) graph pool.</summary>
    private void Disown(GraphPool pool, ulong pointer, long size)
    {
        _poolOf.Remove(pointer);
        pool.Bytes -= size;
        _poolBytes -= size;
    }

    /// <summary>Puts a free block in the general cache's bin of its size.</summary>
    private void Cache(ulong pointer, long size)
    {
        if (!_bins.TryGetValue(size, out var bin)) _bins[size] = bin = new Stack<ulong>();
        bin.Push(pointer);
        _cached++;
    }

    /// <summary>Returns a block to its bin (never to the driver): a graph pool's block to its pool
    /// while the graph exists, every other one to the general cache.</summary>
    public void Free(ulong pointer, long size)
    {
        if (size == 0) return;
        lock (_lock)
        {
            if (_poolOf.TryGetValue(pointer, out var pool))
            {
                if (!pool.Released)
                {
                    if (!pool.Free.TryGetValue(size, out var own)) pool.Free[size] = own = new Stack<ulong>();
                    own.Push(pointer);
                    _allocated -= size;
                    return;
                }
                Disown(pool, pointer, size);
            }
            Cache(pointer, size);
            _allocated -= size;
        }
    }

    /// <summary>Starts serving allocations from a new graph pool (the caller is starting a capture).</summary>
    public GraphPool BeginCapture()
    {
        lock (_lock)
        {
            if (_capturing is not null)
                throw new InvalidOperationException($"A CUDA graph is already being captured on {_queue.Device}; captures cannot overlap.");
            return _capturing = new GraphPool();
        }
    }

    /// <summary>Allocations come from the general cache again; the pool keeps its blocks.</summary>
    public void EndCapture()
    {
        lock (_lock) _capturing = null;
    }

    /// <summary>The graph is gone: its free blocks join the general cache, and blocks still held by
    /// tensors follow when those are freed. Stream order makes the reuse safe, as for any free block.</summary>
    public void ReleasePool(GraphPool pool)
    {
        lock (_lock)
        {
            if (pool.Released) return;
            pool.Released = true;
            if (ReferenceEquals(_capturing, pool)) _capturing = null;
            foreach (var (size, own) in pool.Free)
                while (own.TryPop(out var pointer))
                {
                    Disown(pool, pointer, size);
                    Cache(pointer, size);
                }
        }
    }

    /// <summary>Gives every cached block back to the driver (after queued work is done). Blocks of
    /// graph pools are not cached blocks: they stay until their graph is disposed.</summary>
    public void EmptyCache()
    {
        lock (_lock)
        {
            if (_capturing is not null) throw GraphCapture.Forbidden("EmptyCache (returning memory to the driver)", _queue.Device);
            ReleaseCached();
        }
    }

    private void ReleaseCached()
    {
        if (_cached == 0) return;
        _queue.Synchronize();
        foreach (var (size, bin) in _bins)
            while (bin.TryPop(out var pointer))
            {
                _queue.FreeMemory(pointer);
                _reserved -= size;
                _cached--;
            }
    }

    public CudaMemoryStats Stats
    {
        get
        {
            lock (_lock) return new(_allocated, _reserved, _peak, _driverAllocations, _cached) { GraphPoolBytes = _poolBytes };
        }
    }

    /// <summary>Starts a new peak measurement from the current allocation.</summary>
    public void ResetPeak()
    {
        lock (_lock) _peak = _allocated;
    }
}
