namespace Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>A tensor with uninitialized contents (the caller writes every element).</summary>
    public static Tensor Empty(Shape shape, DType dtype = DType.Float32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        return Create(Backends.BackendRegistry.For(dev).Allocate(dtype, shape.Size), shape);
    }

    /// <summary>An uninitialized tensor like <paramref name="like"/> (same shape, dtype, device).</summary>
    public static Tensor EmptyLike(Tensor like, Shape? shape = null) => Empty(shape ?? like.Shape, like.DType, like.Device);

    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var t = Empty(shape, dtype, device);
        t.Backend.Fill(t, value, t.Size);
        return t;
    }

    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 0, dtype, device);

    public static Tensor Ones(Shape shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 1, dtype, device);

    public static Tensor ZerosLike(Tensor like) => Zeros(like.Shape, like.DType, like.Device);

    /// <summary>A scalar (rank 0) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full(new Shape(), value, dtype, device);

    /// <summary>Copies host data into a new tensor of the given shape (default: 1-D).</summary>
    public static Tensor FromArray<T>(T[] data, Shape? shape = null, Device? device = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = shape ?? new Shape(data.Length);
        if (s.Size != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values cannot fill shape {s} ({s.Size} elements).", nameof(data));
        var t = Empty(s, DTypes.Of<T>(), device);
        t.Storage.CopyFrom<T>(data);
        return t;
    }

    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged => FromArray(data, new Shape(shape));

    /// <summary>Wraps a host array without copying (CPU only): the tensor and the array alias.</summary>
    public static Tensor Wrap<T>(T[] data, Shape shape) where T : unmanaged
    {
        if (shape.Size != data.Length)
            throw new ArgumentException($"Wrap: {data.Length} values cannot fill shape {shape} ({shape.Size} elements).", nameof(data));
        return Create(new CpuStorage(data), shape);
    }

    /// <summary>Samples from N(mean, std²).</summary>
    public static Tensor RandomNormal(Shape shape, Rng rng, double mean = 0, double std = 1, DType dtype = DType.Float32, Device? device = null) =>
        FromHost(shape, dtype, device, _ => mean + std * rng.NextNormal());

    /// <summary>Samples uniformly from [low, high).</summary>
    public static Tensor RandomUniform(Shape shape, Rng rng, double low = 0, double high = 1, DType dtype = DType.Float32, Device? device = null) =>
        FromHost(shape, dtype, device, _ => low + (high - low) * rng.NextDouble());

    /// <summary>Builds a float tensor on the host from a per-element function, then moves it.</summary>
    internal static Tensor FromHost(Shape shape, DType dtype, Device? device, Func<int, double> value)
    {
        if (dtype == DType.Float64)
        {
            var d = new double[shape.Size];
            for (var i = 0; i < d.Length; i++) d[i] = value(i);
            return FromArray(d, shape, device);
        }
        if (dtype == DType.Float32)
        {
            var f = new float[shape.Size];
            for (var i = 0; i < f.Length; i++) f[i] = (float)value(i);
            return FromArray(f, shape, device);
        }
        throw new ArgumentException($"Random tensors must be float32 or float64, not {dtype.Name()}.", nameof(dtype));
    }
}
