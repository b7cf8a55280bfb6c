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

    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    public Device Device { get; }

    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "The storage was already released.");
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Free();
    }

    /// <summary>Gives the memory back (to the allocator's cache on a GPU).</summary>
    protected abstract void Free();

    /// <summary>Copies host elements in (length must match; T must match the dtype).</summary>
    public abstract void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged;

    /// <summary>Copies all elements out to the host.</summary>
    public abstract void CopyTo<T>(Span<T> destination) where T : unmanaged;

    protected void CheckType<T>(int length)
    {
        if (DTypes.Of<T>() != DType)
            throw new InvalidOperationException($"Storage holds {DType.Name()}, not {typeof(T).Name}.");
        if (length != Length)
            throw new ArgumentException($"Storage holds {Length} elements; the host buffer has {length}.");
    }
}

/// <summary>Storage in managed memory: a plain float[], double[] or int[].</summary>
public sealed class CpuStorage : Storage
{
    private Array? _array;

    public CpuStorage(DType dtype, int length) : base(dtype, length, Device.Cpu)
    {
        _array = dtype switch
        {
            DType.Float32 => new float[length],
            DType.Float64 => new double[length],
            DType.Int32 => new int[length],
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
    }

    /// <summary>Wraps an existing array without copying (the tensor then aliases it).</summary>
    public CpuStorage(Array array) : base(DTypeOfArray(array), array.Length, Device.Cpu) => _array = array;

    private static DType DTypeOfArray(Array a) => a switch
    {
        float[] => DType.Float32,
        double[] => DType.Float64,
        int[] => DType.Int32,
        _ => throw new ArgumentException($"Arrays of {a.GetType().GetElementType()?.Name} cannot back a tensor; expected float[], double[] or int[]."),
    };

    public Array Array => _array ?? throw new ObjectDisposedException(nameof(CpuStorage), "The tensor's storage was disposed.");

    public Span<T> Span<T>() where T : unmanaged => Array is T[] a
        ? a
        : throw new InvalidOperationException($"Tensor holds {DType.Name()}; it was read as {typeof(T).Name}.");

    protected override void Free() => _array = null;

    public override void CopyFrom<T>(ReadOnlySpan<T> source)
    {
        CheckType<T>(source.Length);
        source.CopyTo(Span<T>());
    }

    public override void CopyTo<T>(Span<T> destination)
    {
        CheckType<T>(destination.Length);
        Span<T>().CopyTo(destination);
    }
}
