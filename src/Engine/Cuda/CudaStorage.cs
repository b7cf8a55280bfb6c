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

    internal long Bytes => (long)Length * DType.SizeInBytes();

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

    public override unsafe void CopyFrom<T>(ReadOnlySpan<T> source)
    {
        CheckType<T>(source.Length);
        fixed (T* p = source) _queue.CopyToDevice(Pointer, p, Bytes);
    }

    public override unsafe void CopyTo<T>(Span<T> destination)
    {
        CheckType<T>(destination.Length);
        fixed (T* p = destination) _queue.CopyToHost(p, Pointer, Bytes);
    }
}
