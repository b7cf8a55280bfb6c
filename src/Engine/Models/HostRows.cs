using Engine.Tensors;

namespace Engine.Models;

/// <summary>Row (first-axis) gathers and concatenations of host tensors: how Fit cuts arrays into
/// batches and Predict joins batch outputs.</summary>
internal static class HostRows
{
    public static Tensor OnHost(Tensor t) => t.Device.IsCuda ? t.To(Device.Cpu) : t;

    /// <summary>A new host tensor with rows <paramref name="rows"/> of <paramref name="t"/>.</summary>
    public static Tensor Gather(Tensor t, ReadOnlySpan<int> rows)
    {
        Span<int> dims = stackalloc int[t.Rank];
        t.Shape.AsSpan().CopyTo(dims);
        var width = dims[0] == 0 ? 0 : t.Size / dims[0];
        dims[0] = rows.Length;
        var result = Tensor.Empty(Shape.Of(dims), t.DType);
        switch (t.DType)
        {
            case DType.Float32: Copy<float>(t, result, rows, width); break;
            case DType.Float64: Copy<double>(t, result, rows, width); break;
            default: Copy<int>(t, result, rows, width); break;
        }
        return result;
    }

    private static void Copy<T>(Tensor src, Tensor dst, ReadOnlySpan<int> rows, int width) where T : unmanaged
    {
        var s = src.Span<T>();
        var d = dst.Span<T>();
        for (var i = 0; i < rows.Length; i++) s.Slice(rows[i] * width, width).CopyTo(d.Slice(i * width, width));
    }

    /// <summary>A new host tensor with rows [start, start + count) of <paramref name="t"/>.</summary>
    public static Tensor Slice(Tensor t, int start, int count)
    {
        Span<int> dims = stackalloc int[t.Rank];
        t.Shape.AsSpan().CopyTo(dims);
        var width = dims[0] == 0 ? 0 : t.Size / dims[0];
        dims[0] = count;
        var result = Tensor.Empty(Shape.Of(dims), t.DType);
        switch (t.DType)
        {
            case DType.Float32: t.Span<float>().Slice(start * width, count * width).CopyTo(result.Span<float>()); break;
            case DType.Float64: t.Span<double>().Slice(start * width, count * width).CopyTo(result.Span<double>()); break;
            default: t.Span<int>().Slice(start * width, count * width).CopyTo(result.Span<int>()); break;
        }
        return result;
    }

    /// <summary>Stacks host tensors with equal trailing shapes along the first axis.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts)
    {
        var first = parts[0];
        var dims = first.Shape.ToArray();
        dims[0] = parts.Sum(p => p.Shape[0]);
        var result = Tensor.Empty(new Shape(dims), first.DType);
        var offset = 0;
        foreach (var p in parts)
        {
            switch (p.DType)
            {
                case DType.Float32: p.Span<float>().CopyTo(result.Span<float>()[offset..]); break;
                case DType.Float64: p.Span<double>().CopyTo(result.Span<double>()[offset..]); break;
                default: p.Span<int>().CopyTo(result.Span<int>()[offset..]); break;
            }
            offset += p.Size;
        }
        return result;
    }
}
