using Engine.Tensors;

namespace Engine.Cuda;

/// <summary>Storage in GPU memory: a block from the backend's caching allocator. Released
/// explicitly (Dispose, TensorScope) in the hot path; the finalizer is only a safety net that
/// returns a forgotten block to the cache.</summary>
public sealed class CudaStorage : Storage
{
    private readonly CachingAllocator _allocator;
    private readonly CudaQueue _queue;
    private ulong _pointer;
    private readonly long _size;
    private int _freed;

    internal CudaStorage(CachingAllocator allocator, CudaQueue queue, DType dtype, int length)
        : base(dtype, length, queue.Device)
    {
        _allocator = allocator;
        _queue = queue;
        (_pointer, _size) = allocator.Allocate((long)length * dtype.SizeInBytes());
    }

    /// <summary>The device address of element 0 (0 for an empty tensor).</summary>
    public ulong Pointer => Volatile.Read(ref _freed) == 0 ? _pointer
        : throw new ObjectDisposedException(nameof(CudaStorage), $"GPU storage of {Length} {DType.Name()} elements on {Device} was already released.");

    protected override void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) != 0) return;
        _allocator.Free(_pointer, _size);
        GC.SuppressFinalize(this);
    }

    ~CudaStorage()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0) _allocator.Free(_pointer, _size);
    }

    public override unsafe void CopyFrom<T>(int offset, ReadOnlySpan<T> source)
    {
        CheckType<T>(offset, source.Length);
        if (source.IsEmpty) return;
        fixed (T* p = source) _queue.CopyToDevice(Pointer + (ulong)((long)offset * sizeof(T)), p, (long)source.Length * sizeof(T));
    }

    public override unsafe void CopyTo<T>(int offset, Span<T> destination)
    {
        CheckType<T>(offset, destination.Length);
        if (destination.IsEmpty) return;
        fixed (T* p = destination) _queue.CopyToHost(p, Pointer + (ulong)((long)offset * sizeof(T)), (long)destination.Length * sizeof(T));
    }
}
