namespace Engine.Tensors;

/// <summary>A contiguous, reference-counted buffer of one dtype on one device. Several tensors (a
/// tensor and its reshaped views) may share one storage; it is released when the last lets go.</summary>
public abstract class Storage
{
    private int _refs = 1;

    protected Storage(DType dtype, int length, Device device)
    {
        DType = dtype;
        Length = length;
        Device = device;
    }

    public DType DType { get; private set; }

    /// <summary>Number of elements.</summary>
    public int Length { get; private set; }

    public Device Device { get; }

    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "The storage was already released.");
    }

    /// <summary>Drops one reference; true when it was the last and the memory was given back.</summary>
    internal bool Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return false;
        Free();
        return true;
    }

    /// <summary>Makes a freed storage object new again (<see cref="TensorRecycler"/>): one reference,
    /// new dtype and length.</summary>
    private protected void Reinit(DType dtype, int length)
    {
        DType = dtype;
        Length = length;
        Volatile.Write(ref _refs, 1);
    }

    /// <summary>Gives the memory back (to the allocator's cache on a GPU).</summary>
    protected abstract void Free();

    /// <summary>Copies host elements in (length must match; T must match the dtype).</summary>
    public void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        CheckLength(source.Length);
        CopyFrom(0, source);
    }

    /// <summary>Copies all elements out to the host.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckLength(destination.Length);
        CopyTo(0, destination);
    }

    /// <summary>Copies host elements in, starting at element <paramref name="offset"/>.</summary>
    public abstract void CopyFrom<T>(int offset, ReadOnlySpan<T> source) where T : unmanaged;

    /// <summary>Copies destination.Length elements out, starting at element <paramref name="offset"/>.</summary>
    public abstract void CopyTo<T>(int offset, Span<T> destination) where T : unmanaged;

    private void CheckLength(int length)
    {
        if (length != Length)
            throw new ArgumentException($"Storage holds {Length} elements; the host buffer has {length}.");
    }

    /// <summary>T must be the dtype, and [offset, offset + length) inside the storage.</summary>
    protected void CheckType<T>(int offset, int length)
    {
        if (DTypes.Of<T>() != DType)
            throw new InvalidOperationException($"Storage holds {DType.Name()}, not {typeof(T).Name}.");
        if (offset < 0 || (long)offset + length > Length)
            throw new ArgumentException($"Storage holds {Length} elements; elements [{offset}, {(long)offset + length}) were asked for.");
    }
}
