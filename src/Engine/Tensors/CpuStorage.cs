namespace Engine.Tensors;

/// <summary>Storage in managed memory: a plain float[], double[] or int[].</summary>
public sealed class CpuStorage : Storage
{
    private Array? _array;

    /// <summary>True when the array came from <see cref="CpuArrayPool.Shared"/> and goes back there.</summary>
    private readonly bool _pooled;

    /// <summary>Pooled storage of <paramref name="length"/> elements (see the constructor), in a freed
    /// storage object from <see cref="TensorRecycler"/> when one is waiting.</summary>
    public static CpuStorage Rent(DType dtype, int length)
    {
        if (TensorRecycler.TakeStorage() is not { } s) return new CpuStorage(dtype, length);
        s.Reinit(dtype, length);
        s._array = CpuArrayPool.Shared.Rent(dtype, length);
        return s;
    }

    /// <summary>Whether this object may serve again once freed: only pooled storages (a wrapped
    /// array belongs to its caller).</summary>
    internal bool Reusable => _pooled;

    /// <summary>Storage of <paramref name="length"/> elements from <see cref="CpuArrayPool.Shared"/>.
    /// Its contents are unspecified (a reused array keeps its last owner's values): write every
    /// element, or use Tensor.Zeros.</summary>
    public CpuStorage(DType dtype, int length) : base(dtype, length, Device.Cpu)
    {
        _array = CpuArrayPool.Shared.Rent(dtype, length);
        _pooled = true;
    }

    /// <summary>Wraps an existing array without copying (the tensor then aliases it). The caller
    /// keeps owning it: it never goes into the pool.</summary>
    public CpuStorage(Array array) : base(DTypeOfArray(array), array.Length, Device.Cpu) => _array = array;

    private static DType DTypeOfArray(Array a) => a switch
    {
        float[] => DType.Float32,
        double[] => DType.Float64,
        int[] => DType.Int32,
        _ => throw new ArgumentException($"Arrays of {a.GetType().GetElementType()?.Name} cannot back a tensor; expected float[], double[] or int[]."),
    };

    /// <summary>The backing array. A pooled one may be longer than <see cref="Storage.Length"/> (its
    /// size class): read it through <see cref="Span{T}"/>, never as the whole tensor.</summary>
    public Array Array => _array ?? throw new ObjectDisposedException(nameof(CpuStorage), "The tensor's storage was disposed.");

    /// <summary>The storage's <see cref="Storage.Length"/> elements.</summary>
    public Span<T> Span<T>() where T : unmanaged => Array is T[] a
        ? a.AsSpan(0, Length)
        : throw new InvalidOperationException($"Tensor holds {DType.Name()}; it was read as {typeof(T).Name}.");

    /// <summary>The last tensor let go: a pooled array goes back for the next tensor of its size class.</summary>
    protected override void Free()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (_pooled && array is not null) CpuArrayPool.Shared.Return(array);
    }

    public override void CopyFrom<T>(int offset, ReadOnlySpan<T> source)
    {
        CheckType<T>(offset, source.Length);
        source.CopyTo(Span<T>()[offset..]);
    }

    public override void CopyTo<T>(int offset, Span<T> destination)
    {
        CheckType<T>(offset, destination.Length);
        Span<T>().Slice(offset, destination.Length).CopyTo(destination);
    }
}
