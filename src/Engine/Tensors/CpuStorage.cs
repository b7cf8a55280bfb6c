namespace Engine.Tensors;

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
