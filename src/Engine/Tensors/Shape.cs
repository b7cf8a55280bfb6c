using System.Collections;

namespace Engine.Tensors;

/// <summary>An immutable list of dimension sizes, printed like Keras and PyTorch: (3, 5, 7).</summary>
public sealed class Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[] _dims;

    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Shape {Format(dims)} has a negative dimension; every dimension must be >= 0.", nameof(dims));
        _dims = (int[])dims.Clone();
        long size = 1;
        foreach (var d in dims) size = checked(size * d);
        if (size > int.MaxValue)
            throw new ArgumentException($"Shape {Format(dims)} has {size} elements; at most {int.MaxValue} are supported.", nameof(dims));
        Size = (int)size;
    }

    /// <summary>The shape with these dimensions, shared: ops ask for the same few shapes every step,
    /// so each is made once (Shape is immutable) and <c>Shape.Of(n, c, h, w)</c> allocates nothing
    /// once it has been seen. Same checks and errors as the constructor.</summary>
    public static Shape Of(params ReadOnlySpan<int> dims) => ShapeCache.Get(dims);

    public int Rank => _dims.Length;

    /// <summary>Number of elements (product of the dimensions; 1 for a scalar).</summary>
    public int Size { get; }

    public int Count => _dims.Length;

    /// <summary>Dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[NormalizeAxis(axis)];

    public int[] ToArray() => (int[])_dims.Clone();

    public ReadOnlySpan<int> AsSpan() => _dims;

    public int NormalizeAxis(int axis)
    {
        var a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {this} of rank {Rank}.");
        return a;
    }

    /// <summary>Product of dimensions [from, to).</summary>
    public int Product(int from, int to)
    {
        var p = 1;
        for (var i = from; i < to; i++) p *= _dims[i];
        return p;
    }

    /// <summary>Resolves one -1 in a requested reshape against this shape's size.</summary>
    public Shape Resolve(int[] requested) => Resolve((ReadOnlySpan<int>)requested);

    /// <summary>Resolves one -1 in a requested reshape against this shape's size (a shared shape:
    /// see <see cref="Of"/>).</summary>
    public Shape Resolve(ReadOnlySpan<int> requested)
    {
        var unknown = -1;
        var known = 1;
        for (var i = 0; i < requested.Length; i++)
        {
            if (requested[i] == -1)
            {
                if (unknown >= 0) throw new ArgumentException($"Cannot reshape {this} to {Format(requested.ToArray())}: only one dimension may be -1.");
                unknown = i;
            }
            else if (requested[i] < 0)
                throw new ArgumentException($"Cannot reshape {this} to {Format(requested.ToArray())}: dimensions must be >= 0 or -1.");
            else known *= requested[i];
        }
        Span<int> dims = stackalloc int[requested.Length];
        requested.CopyTo(dims);
        if (unknown >= 0)
        {
            if (known == 0 || Size % known != 0)
                throw new ArgumentException($"Cannot reshape {this} ({Size} elements) to {Format(requested.ToArray())}.");
            dims[unknown] = Size / known;
        }
        var result = Of(dims);
        if (result.Size != Size)
            throw new ArgumentException($"Cannot reshape {this} ({Size} elements) to {result} ({result.Size} elements).");
        return result;
    }

    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    public static implicit operator Shape(int[] dims) => new(dims);

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    public override string ToString() => Format(_dims);

    /// <summary>Formats dimensions as "(3, 5)", "(7,)" for rank 1 and "()" for a scalar; null prints as None.</summary>
    public static string Format(IReadOnlyList<int?> dims) =>
        dims.Count == 1 ? $"({dims[0]?.ToString() ?? "None"},)" : "(" + string.Join(", ", dims.Select(d => d?.ToString() ?? "None")) + ")";

    public static string Format(IReadOnlyList<int> dims) => Format(dims.Select(d => (int?)d).ToArray());
}
