using System.Collections.Concurrent;

namespace Engine.Tensors;

/// <summary>The shapes handed out by <see cref="Shape.Of"/>, looked up by their dimensions as a span
/// (no array to make for a lookup). Bounded: past <see cref="Capacity"/> distinct shapes new ones are
/// made but not kept, so a process that sees endless shapes does not grow without end.</summary>
internal static class ShapeCache
{
    public const int Capacity = 4096;

    private static readonly ConcurrentDictionary<Shape, Shape> Shapes = new(new DimsComparer());
    private static readonly ConcurrentDictionary<Shape, Shape>.AlternateLookup<ReadOnlySpan<int>> ByDims =
        Shapes.GetAlternateLookup<ReadOnlySpan<int>>();

    public static Shape Get(ReadOnlySpan<int> dims)
    {
        if (ByDims.TryGetValue(dims, out var shape)) return shape;
        shape = new Shape(dims.ToArray());
        return Shapes.Count < Capacity ? Shapes.GetOrAdd(shape, shape) : shape;
    }

    private sealed class DimsComparer : IEqualityComparer<Shape>, IAlternateEqualityComparer<ReadOnlySpan<int>, Shape>
    {
        public bool Equals(Shape? a, Shape? b) => a == b;

        public int GetHashCode(Shape s) => Hash(s.AsSpan());

        public bool Equals(ReadOnlySpan<int> dims, Shape s) => dims.SequenceEqual(s.AsSpan());

        public int GetHashCode(ReadOnlySpan<int> dims) => Hash(dims);

        public Shape Create(ReadOnlySpan<int> dims) => new(dims.ToArray());

        private static int Hash(ReadOnlySpan<int> dims)
        {
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(dims));
            return h.ToHashCode();
        }
    }
}
