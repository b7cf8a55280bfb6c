using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The float32 2×2/stride-2 max-pool fast path against the general window loop (run in
/// float64 on the same values): same maxima and the same argmax, including ties (the first element in
/// row-major window order wins), NaN (an earlier NaN is kept, a later one never wins) and odd sizes
/// whose last row/column is not covered.</summary>
public class MaxPool2x2Tests
{
    [Theory]
    [InlineData(3, 2, 5, 7)]
    [InlineData(2, 3, 26, 26)]
    [InlineData(1, 2, 11, 11)]
    [InlineData(2, 1, 33, 34)]
    [InlineData(1, 1, 2, 2)]
    [InlineData(2, 3, 9, 9)]    // 4 outputs per row: one group of 4, odd size
    [InlineData(1, 2, 14, 15)]  // 7 outputs per row: a group of 4 and an overlapping one
    public void MatchesGeneralLoop(int n, int c, int h, int w)
    {
        var rng = new Rng(11);
        // Few distinct levels so that ties are common; some NaN.
        var values = Enumerable.Range(0, n * c * h * w).Select(_ =>
        {
            var u = rng.NextDouble();
            return u < 0.03 ? float.NaN : MathF.Round((float)rng.NextNormal() * 2) / 2;
        }).ToArray();
        values[0] = float.NaN; // first of its window: kept as that window's maximum
        values[w + 1] = 100;   // last of the same window: never beats the NaN
        var (oh, ow) = (h / 2, w / 2);
        var be = CpuBackend.Instance;

        using var x32 = Tensor.FromArray(values, n, c, h, w);
        using var y32 = Tensor.Empty(new Shape(n, c, oh, ow));
        using var arg32 = Tensor.Empty(new Shape(n, c, oh, ow), DType.Int32);
        var g = new Pool2DGeometry { N = n, C = c, H = h, W = w, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = oh, OW = ow };
        be.MaxPool2DForward(x32, y32, arg32, g);

        using var x64 = x32.To(DType.Float64);
        using var y64 = Tensor.Empty(new Shape(n, c, oh, ow), DType.Float64);
        using var arg64 = Tensor.Empty(new Shape(n, c, oh, ow), DType.Int32);
        be.MaxPool2DForward(x64, y64, arg64, g);

        Assert.Equal(arg64.ToArray<int>(), arg32.ToArray<int>());
        Assert.Equal(y64.ToDoubleArray(), y32.ToDoubleArray()); // NaN equals NaN for Assert.Equal on doubles
        Assert.True(float.IsNaN(y32.ToFloatArray()[0]));
    }

    [Theory]
    [InlineData(3, 3, 1)] // overlapping windows: one input can win several outputs
    [InlineData(2, 2, 2)]
    [InlineData(3, 3, 2)]
    public void PlaneParallelBackwardMatchesPlainScatter(int pool, int poolW, int stride)
    {
        var rng = new Rng(12);
        var (n, c, h, w) = (3, 4, 9, 8);
        var values = Enumerable.Range(0, n * c * h * w).Select(_ => MathF.Round((float)rng.NextNormal() * 2) / 2).ToArray();
        var x = Tensor.FromArray(values, n, c, h, w);
        x.RequiresGrad = true;
        var y = Engine.Autograd.Ops.MaxPool2D(x, pool, poolW, stride, stride, Engine.Autograd.Padding.Valid);
        var dyValues = Enumerable.Range(0, y.Size).Select(_ => (float)rng.NextNormal()).ToArray();
        Engine.Autograd.Ops.Sum(Engine.Autograd.Ops.Mul(y, Tensor.FromArray(dyValues, y.Shape.ToArray()))).Backward();

        var (oh, ow) = (y.Shape[2], y.Shape[3]);
        using var y2 = Tensor.Empty(y.Shape);
        using var arg = Tensor.Empty(y.Shape, DType.Int32);
        CpuBackend.Instance.MaxPool2DForward(x, y2, arg, new Pool2DGeometry { N = n, C = c, H = h, W = w, KH = pool, KW = poolW, SH = stride, SW = stride, PH = 0, PW = 0, OH = oh, OW = ow });
        using var dx = Tensor.Zeros(x.Shape);
        CpuBackend.Instance.MaxPool2DBackward(Tensor.FromArray(dyValues, y.Shape.ToArray()), arg, dx, y.Size);
        Assert.Equal(dx.ToFloatArray(), x.Grad!.ToFloatArray());
        Assert.Contains(x.Grad!.ToFloatArray(), v => v != 0);
    }

    /// <summary>The write-once 2×2 backward (vector groups, the ragged overlapping group, the scalar
    /// tail, odd last rows/columns) against clearing dx and scattering with the plain loop: bitwise,
    /// -0 gradients included, whatever dx held before (NaN here).</summary>
    [Theory]
    [InlineData(3, 2, 5, 7)]
    [InlineData(2, 3, 26, 26)]  // 13 outputs per row: one group of 8 and one overlapping group
    [InlineData(2, 5, 11, 11)]  // odd: last row and column in no window; ow = 5 (groups of 4)
    [InlineData(2, 2, 7, 6)]    // ow = 3: scalar path
    [InlineData(2, 1, 33, 34)]
    [InlineData(1, 1, 2, 2)]
    [InlineData(1, 2, 16, 35)]  // ow = 17: two groups and an overlapping one, odd width
    [InlineData(2, 3, 9, 9)]    // ow = 4: one group of 4
    [InlineData(1, 2, 14, 15)]  // ow = 7: a group of 4 and an overlapping one
    public void WriteOnceBackwardMatchesClearAndScatter(int n, int c, int h, int w)
    {
        var rng = new Rng(13);
        var values = Enumerable.Range(0, n * c * h * w).Select(_ => MathF.Round((float)rng.NextNormal() * 2) / 2).ToArray();
        values[0] = 50; // element 0 of the plane wins its window
        var (oh, ow) = (h / 2, w / 2);
        var g = new Pool2DGeometry { N = n, C = c, H = h, W = w, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = oh, OW = ow };
        using var x = Tensor.FromArray(values, n, c, h, w);
        using var y = Tensor.Empty(new Shape(n, c, oh, ow));
        using var arg = Tensor.Empty(y.Shape, DType.Int32);
        CpuBackend.Instance.MaxPool2DForward(x, y, arg, g);
        var dyValues = Enumerable.Range(0, y.Size).Select(i => i % 7 == 3 ? -0f : (float)rng.NextNormal()).ToArray();
        dyValues[0] = 2.5f;
        using var dy = Tensor.FromArray(dyValues, n, c, oh, ow);

        using var expected = Tensor.Zeros(x.Shape);
        CpuBackend.MaxPoolGrad<float>(dy, arg, expected, y.Size);
        using var written = Tensor.FromArray(Enumerable.Repeat(float.NaN, x.Size).ToArray(), n, c, h, w);
        CpuBackend.MaxPoolGradPlanes(dy, arg, written, g, assign: true);

        var (e, a) = (expected.ToFloatArray(), written.ToFloatArray());
        for (var i = 0; i < e.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(a[i]), $"dx[{i}]: expected {e[i]}, written {a[i]}");
        Assert.Equal(2.5f, a[0]);
        Assert.Contains(e, v => v != 0);

        // Control: accumulating (not the first writer) keeps the NaN already there, so the check above can fail.
        using var added = Tensor.FromArray(Enumerable.Repeat(float.NaN, x.Size).ToArray(), n, c, h, w);
        CpuBackend.MaxPoolGradPlanes(dy, arg, added, g, assign: false);
        Assert.Contains(added.ToFloatArray(), float.IsNaN);
    }
}
