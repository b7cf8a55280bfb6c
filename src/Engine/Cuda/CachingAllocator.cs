namespace Engine.Cuda;

/// <summary>Device-memory statistics of one GPU backend, in bytes.</summary>
/// <param name="AllocatedBytes">Held by live tensors (rounded to size classes).</param>
/// <param name="ReservedBytes">Obtained from the driver: allocated plus cached for reuse.</param>
/// <param name="PeakAllocatedBytes">The highest AllocatedBytes so far.</param>
/// <param name="DriverAllocations">How many times cuMemAlloc was called; flat in a steady training loop.</param>
/// <param name="CachedBlocks">Free blocks waiting for reuse.</param>
public sealed record CudaMemoryStats(long AllocatedBytes, long ReservedBytes, long PeakAllocatedBytes, long DriverAllocations, int CachedBlocks);

/// <summary>A caching allocator: freed blocks go to a bin for their size class instead of back
/// to the driver, and the next request of that class takes one (cuMemAlloc/cuMemFree are slow
/// and synchronise the device). All work runs on the backend's one stream, so a block freed by a
/// tensor can be handed out at once: any kernel that still uses it was queued before any kernel
/// that will use it next (stream-ordered reuse). Thread-safe; a finalizer may return a block.</summary>
internal sealed class CachingAllocator
{
    private const long SmallLimit = 1L << 20;   // up to 1 MiB: classes every 512 bytes
    private const long SmallStep = 512;
    private const long LargeStep = 2L << 20;    // above: classes every 2 MiB

    private readonly CudaQueue _queue;
    private readonly object _lock = new();
    private readonly Dictionary<long, Stack<ulong>> _bins = new();
    private long _allocated, _reserved, _peak, _driverAllocations;
    private int _cached;

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

    /// <summary>Returns a block to its bin (never to the driver).</summary>
    public void Free(ulong pointer, long size)
    {
        if (size == 0) return;
        lock (_lock)
        {
            if (!_bins.TryGetValue(size, out var bin)) _bins[size] = bin = new Stack<ulong>();
            bin.Push(pointer);
            _cached++;
            _allocated -= size;
        }
    }

    /// <summary>Gives every cached block back to the driver (after queued work is done).</summary>
    public void EmptyCache()
    {
        lock (_lock) ReleaseCached();
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
            lock (_lock) return new(_allocated, _reserved, _peak, _driverAllocations, _cached);
        }
    }

    /// <summary>Starts a new peak measurement from the current allocation.</summary>
    public void ResetPeak()
    {
        lock (_lock) _peak = _allocated;
    }
}
