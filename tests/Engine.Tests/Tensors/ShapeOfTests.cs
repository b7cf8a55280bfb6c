using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary><see cref="Shape.Of"/>: shared shapes, the constructor's checks, no allocation once seen.</summary>
public class ShapeOfTests
{
    [Fact]
    public void SameDimensionsGiveTheSameSharedShape()
    {
        var a = Shape.Of(7, 3, 1031);
        Span<int> dims = stackalloc int[] { 7, 3, 1031 };
        Assert.Same(a, Shape.Of(dims));
        Assert.Equal(new Shape(7, 3, 1031), a);
        Assert.NotSame(a, Shape.Of(7, 1031, 3));
        Assert.Equal("()", Shape.Of().ToString());
    }

    [Fact]
    public void BadDimensionsFailAsInTheConstructor()
    {
        var e = Assert.Throws<ArgumentException>(() => Shape.Of(4, -2));
        Assert.Contains("negative dimension", e.Message);
    }

    [Fact]
    public void ASeenShapeAllocatesNothing()
    {
        // Variables, as in the ops (constant arguments may be passed as an array by a Debug build).
        var (n, c, w) = (5, 1033, 2);
        var rounds = new long[3];
        for (var r = 0; r < rounds.Length; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++) Shape.Of(n, c, w);
            rounds[r] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, rounds[^1]); // the first round also adds the shape (and may JIT)
    }

    [Fact]
    public void ResolveSharesTheResultAndKeepsItsErrors()
    {
        var s = new Shape(6, 1039);
        Assert.Same(s.Resolve([-1, 2, 1039]), Shape.Of(3, 2, 1039));
        Assert.Contains("only one dimension may be -1", Assert.Throws<ArgumentException>(() => s.Resolve([-1, -1])).Message);
    }
}
