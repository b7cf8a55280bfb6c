using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The float32 max-pool kernel for any geometry (<see cref="MaxPoolFloat"/>, vector blocks of
/// 16 outputs for stride 1 and 2) against the plain generic loop on the same float values: bitwise the
/// same maxima and argmax, ties (first in row-major window order) and NaN (a NaN that starts a window
/// stays; a later NaN never wins) included, on 1 and 2 threads and any number of planes per work item.</summary>
public class MaxPoolFloatTests
{
    [Theory]
    [InlineData(2, 3, 34, 34, 3, 3, 2, 2, false)]  // ResNet18's pool after ZeroPadding2D(1): 16 outputs a row, one vector block
    [InlineData(2, 2, 37, 70, 3, 3, 2, 2, false)]  // 34 outputs a row: two blocks and a scalar tail
    [InlineData(2, 2, 32, 64, 3, 3, 2, 2, true)]   // Keras 'same' (pads 0 before, 1 after): border windows
    [InlineData(1, 3, 19, 40, 3, 3, 1, 1, true)]   // stride 1 with padding 1 on each side: scalar borders, vector middle
    [InlineData(2, 2, 9, 41, 2, 3, 1, 2, false)]   // rectangular window, mixed strides
    [InlineData(2, 2, 13, 50, 3, 2, 2, 3, true)]   // stride 3: scalar only
    [InlineData(3, 1, 5, 7, 5, 7, 1, 1, false)]    // one window covering the whole plane (GlobalMaxPool2D)
    [InlineData(1, 2, 6, 6, 4, 4, 4, 4, true)]     // window bigger than what is left at the border
    public void MatchesGenericLoopBitwise(int n, int c, int h, int w, int kh, int kw, int sh, int sw, bool same)
    {
        var rng = new Rng(21);
        // Few distinct levels so that ties are common; some NaN, one at a window's start and one later.
        var values = Enumerable.Range(0, n * c * h * w).Select(_ =>
            rng.NextDouble() < 0.02 ? float.NaN : MathF.Round((float)rng.NextNormal() * 2) / 2).ToArray();
        values[0] = float.NaN;
        values[w + 1] = 100;
        var g = Pool2DGeometry.Create(new Shape(n, c, h, w), (kh, kw), (sh, sw), same ? Padding.Same : Padding.Valid);
        using var x = Tensor.FromArray(values, n, c, h, w);
        var outShape = new Shape(n, c, g.OH, g.OW);
        using var yRef = Tensor.Empty(outShape);
        using var argRef = Tensor.Empty(outShape, DType.Int32);
        CpuBackend.MaxPool<float>(x, yRef, argRef, g);
        Assert.True(float.IsNaN(yRef.ToFloatArray()[0]));

        var previous = CpuParallel.ThreadLimit;
        try
        {
            foreach (var threads in new[] { 1, 2 })
                foreach (int? perItem in new int?[] { null, 1, 3 })
                {
                    CpuParallel.ThreadLimit = threads;
                    using var y = Tensor.FromArray(Enumerable.Repeat(-7f, yRef.Size).ToArray(), outShape.ToArray());
                    using var arg = Tensor.FromArray(Enumerable.Repeat(-5, yRef.Size).ToArray(), outShape.ToArray());
                    CpuBackend.MaxPoolAnyFloat(x, y, arg, g, perItem);
                    AssertSameBits(yRef.ToFloatArray(), y.ToFloatArray(), $"threads {threads}, planes per item {perItem}");
                    Assert.Equal(argRef.ToArray<int>(), arg.ToArray<int>());
                }
        }
        finally { CpuParallel.ThreadLimit = previous; }
    }

    /// <summary>The backend's float32 entry point takes the new kernel (not the 2×2 one) for 3×3/2 and
    /// gives the plain loop's result; the float64 path (the generic loop) on the same values agrees.</summary>
    [Fact]
    public void BackendFloatPathAgreesWithFloat64Path()
    {
        var rng = new Rng(22);
        var (n, c, h, w) = (2, 3, 34, 34);
        var values = Enumerable.Range(0, n * c * h * w).Select(_ => MathF.Round((float)rng.NextNormal() * 4) / 4).ToArray();
        var g = Pool2DGeometry.Create(new Shape(n, c, h, w), (3, 3), (2, 2), Padding.Valid);
        using var x32 = Tensor.FromArray(values, n, c, h, w);
        using var y32 = Tensor.Empty(new Shape(n, c, g.OH, g.OW));
        using var arg32 = Tensor.Empty(y32.Shape, DType.Int32);
        CpuBackend.Instance.MaxPool2DForward(x32, y32, arg32, g);
        using var x64 = x32.To(DType.Float64);
        using var y64 = Tensor.Empty(y32.Shape, DType.Float64);
        using var arg64 = Tensor.Empty(y32.Shape, DType.Int32);
        CpuBackend.Instance.MaxPool2DForward(x64, y64, arg64, g);
        Assert.Equal(arg64.ToArray<int>(), arg32.ToArray<int>());
        Assert.Equal(y64.ToDoubleArray(), y32.ToDoubleArray());
    }

    /// <summary>Control: the checker above sees a wrong tie rule (last maximum instead of first).</summary>
    [Fact]
    public void ArgmaxComparisonCatchesAWrongTieRule()
    {
        using var x = Tensor.FromArray(new float[] { 1, 1, 0, 0 }, 1, 1, 2, 2);
        var g = Pool2DGeometry.Create(x.Shape, (2, 2), (1, 1), Padding.Valid);
        using var y = Tensor.Empty(new Shape(1, 1, 1, 1));
        using var arg = Tensor.Empty(y.Shape, DType.Int32);
        CpuBackend.MaxPoolAnyFloat(x, y, arg, g);
        Assert.Equal(0, arg.ToArray<int>()[0]);
        Assert.NotEqual(new[] { 1 }, arg.ToArray<int>()); // what a "v >= best" rule would give
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: y[{i}] expected {expected[i]}, got {actual[i]}");
    }
}
