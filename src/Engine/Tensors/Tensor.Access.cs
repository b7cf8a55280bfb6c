namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>Copies all elements to a new host array (works on every device).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var a = new T[Size];
        Storage.CopyTo<T>(Offset, a);
        return a;
    }

    /// <summary>All elements as doubles, whatever the dtype (for tests and printing).</summary>
    public double[] ToDoubleArray() => DType switch
    {
        DType.Float32 => Array.ConvertAll(ToArray<float>(), v => (double)v),
        DType.Float64 => ToArray<double>(),
        DType.Int32 => Array.ConvertAll(ToArray<int>(), v => (double)v),
        _ => throw new NotSupportedException(),
    };

    public float[] ToFloatArray() => DType == DType.Float32 ? ToArray<float>() : Array.ConvertAll(ToDoubleArray(), v => (float)v);

    /// <summary>The value of a one-element tensor (a loss, a count).</summary>
    public double Item()
    {
        if (Size != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element; this one has shape {Shape}.");
        switch (DType)
        {
            case DType.Float32:
                Span<float> f = stackalloc float[1];
                Storage.CopyTo<float>(Offset, f);
                return f[0];
            case DType.Float64:
                Span<double> d = stackalloc double[1];
                Storage.CopyTo<double>(Offset, d);
                return d[0];
            default:
                Span<int> i = stackalloc int[1];
                Storage.CopyTo<int>(Offset, i);
                return i[0];
        }
    }

    /// <summary>Element at a multi-index, as a double (slow: copies to the host on a GPU).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public double this[params int[] index] => ToDoubleArrayCached()[FlatIndex(index)];

    private double[] ToDoubleArrayCached() => Device.IsCuda ? ToDoubleArray() : DType switch
    {
        DType.Float64 => Span<double>().ToArray(),
        _ => ToDoubleArray(),
    };

    /// <summary>Row-major flat offset of a multi-index, with bounds checks that name the axis.</summary>
    public int FlatIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
            throw new ArgumentException($"Index has {index.Length} components; tensor of shape {Shape} needs {Rank}.");
        var flat = 0;
        for (var a = 0; a < Rank; a++)
        {
            if ((uint)index[a] >= (uint)Shape[a])
                throw new IndexOutOfRangeException($"Index {index[a]} is out of range for axis {a} of size {Shape[a]} (shape {Shape}).");
            flat = flat * Shape[a] + index[a];
        }
        return flat;
    }

    /// <summary>Direct access to host storage (CPU tensors only).</summary>
    internal Span<T> Span<T>() where T : unmanaged => Storage is CpuStorage cpu
        ? cpu.Span<T>().Slice(Offset, Size)
        : throw new InvalidOperationException($"Tensor on {Device} has no host span; copy it with ToArray() or To(Device.Cpu).");

    /// <summary>A copy on another device (or this tensor's data copied when it already is there).</summary>
    public Tensor To(Device device)
    {
        var t = Empty(Shape, DType, device);
        switch (DType)
        {
            case DType.Float32: CopyInto<float>(t); break;
            case DType.Float64: CopyInto<double>(t); break;
            default: CopyInto<int>(t); break;
        }
        return t;
    }

    /// <summary>Copies every element into <paramref name="target"/> (same shape and dtype, any device).
    /// A host side is read or written in place, so moving a batch to the GPU allocates no host array.</summary>
    private void CopyInto<T>(Tensor target) where T : unmanaged
    {
        if (Storage is CpuStorage) target.Storage.CopyFrom<T>(target.Offset, Span<T>());
        else if (target.Storage is CpuStorage) Storage.CopyTo<T>(Offset, target.Span<T>());
        else target.Storage.CopyFrom<T>(target.Offset, ToArray<T>());
    }

    /// <summary>A copy of the data (same shape, dtype and device), cut off from the graph. How to keep
    /// a tensor made inside a training step past its end (copy it inside TensorScope.Untracked()).</summary>
    public Tensor Clone()
    {
        var t = Empty(Shape, DType, Device);
        Backend.Copy(this, t, Size);
        return t;
    }

    /// <summary>A copy converted to another dtype (not differentiable).</summary>
    public Tensor To(DType dtype)
    {
        var t = Empty(Shape, dtype, Device);
        Backend.Cast(this, t, Size);
        return t;
    }
}
