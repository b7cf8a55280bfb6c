namespace Engine.Tensors;

/// <summary>Element type of a tensor. Float32 is the default; Float64 exists for gradient checks;
/// Int32 holds labels and indices (argmax of max-pool, sparse targets).</summary>
public enum DType
{
    Float32,
    Float64,
    Int32,
}

public static class DTypes
{
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloating(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>Lower-case name as Keras and PyTorch print it ("float32").</summary>
    public static string Name(this DType dtype) => dtype.ToString().ToLowerInvariant();

    /// <summary>The DType that stores elements of the CLR type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(int) ? DType.Int32 :
        throw new NotSupportedException($"No DType stores {typeof(T).Name}; expected float, double or int.");
}
