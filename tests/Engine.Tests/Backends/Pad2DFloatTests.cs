using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The float32 row kernels of ZeroPadding2D / Cropping2D against the plain generic loops:
/// forward, accumulating backward and write-once backward (into NaN, against clearing and adding)
/// bitwise equal, −0 gradients included, on 1 and 2 threads.</summary>
public class Pad2DFloatTests
{
    [Theory]
    [InlineData(2, 3, 32, 32, 1, 1, 1, 1)]    // ResNet18's maxpool_pad
    [InlineData(2, 2, 5, 7, 3, 0, 2, 1)]      // uneven padding
    [InlineData(3, 1, 9, 8, -2, -1, -3, 0)]   // cropping
    [InlineData(1, 2, 6, 6, -1, 2, 2, -3)]    // crop rows at the top, pad columns on the left
    [InlineData(40, 3, 4, 4, 1, 1, 1, 1)]     // many small planes per work item
    public void RowKernelsMatchPlainLoopsBitwise(int n, int c, int h, int w, int top, int bottom, int left, int right)
    {
        var g = new Pad2DGeometry { Planes = n * c, H = h, W = w, Top = top, Left = left, OH = h + top + bottom, OW = w + left + right };
        var rng = new Rng(31);
        var xValues = Enumerable.Range(0, n * c * h * w).Select(_ => (float)rng.NextNormal()).ToArray();
        var dyValues = Enumerable.Range(0, n * c * g.OH * g.OW).Select(i => i % 5 == 2 ? -0f : (float)rng.NextNormal()).ToArray();
        var dxStart = Enumerable.Range(0, xValues.Length).Select(_ => (float)rng.NextNormal()).ToArray();
        using var x = Tensor.FromArray(xValues, n, c, h, w);
        using var dy = Tensor.FromArray(dyValues, n, c, g.OH, g.OW);

        using var yRef = Tensor.Empty(dy.Shape);
        CpuBackend.Pad2D<float>(x, yRef, g.Planes, h, w, top, left, g.OH, g.OW);
        using var addRef = Tensor.FromArray(dxStart, n, c, h, w);
        CpuBackend.Pad2DGrad<float>(dy, addRef, g.Planes, h, w, top, left, g.OH, g.OW);
        using var assignRef = Tensor.Zeros(x.Shape);
        CpuBackend.Pad2DGrad<float>(dy, assignRef, g.Planes, h, w, top, left, g.OH, g.OW);

        var previous = CpuParallel.ThreadLimit;
        try
        {
            foreach (var threads in new[] { 1, 2 })
            {
                CpuParallel.ThreadLimit = threads;
                using var y = Tensor.FromArray(Enumerable.Repeat(float.NaN, dyValues.Length).ToArray(), dy.Shape.ToArray());
                CpuBackend.Pad2DFloat(x, y, g, backward: false, assign: false);
                AssertSameBits(yRef, y, $"forward, {threads} threads");

                using var added = Tensor.FromArray(dxStart, n, c, h, w);
                CpuBackend.Pad2DFloat(dy, added, g, backward: true, assign: false);
                AssertSameBits(addRef, added, $"accumulating backward, {threads} threads");

                using var written = Tensor.FromArray(Enumerable.Repeat(float.NaN, xValues.Length).ToArray(), n, c, h, w);
                CpuBackend.Pad2DFloat(dy, written, g, backward: true, assign: true);
                AssertSameBits(assignRef, written, $"write-once backward, {threads} threads");
            }
        }
        finally { CpuParallel.ThreadLimit = previous; }
    }

    /// <summary>Through the tape: the padded tensor's producer is intermediate (first writer: assign) and
    /// is also used directly (second consumer: the other gradient adds), in float32 and float64 on the
    /// same exact values (small integers, so both are exact): equal gradients.</summary>
    [Fact]
    public void TapeGradientMatchesFloat64()
    {
        var rng = new Rng(32);
        var values = Enumerable.Range(0, 2 * 3 * 5 * 6).Select(_ => (float)Math.Round(rng.NextNormal() * 3)).ToArray();
        var weights = Enumerable.Range(0, 2 * 3 * 7 * 9).Select(_ => (float)Math.Round(rng.NextNormal() * 3)).ToArray();
        double[] Grad(DType dtype, bool reuse)
        {
            using var x = Tensor.FromArray(values, 2, 3, 5, 6).To(dtype);
            x.RequiresGrad = true;
            using var wt = Tensor.FromArray(weights, 2, 3, 7, 9).To(dtype);
            var h = Engine.Autograd.Ops.Mul(x, x);
            var padded = Engine.Autograd.Ops.ZeroPad2D(h, 1, 1, 2, 1);
            var loss = Engine.Autograd.Ops.Sum(Engine.Autograd.Ops.Mul(padded, wt));
            if (reuse) loss = Engine.Autograd.Ops.Add(loss, Engine.Autograd.Ops.Sum(h));
            loss.Backward();
            return x.Grad!.ToDoubleArray();
        }
        foreach (var reuse in new[] { false, true })
        {
            var (g32, g64) = (Grad(DType.Float32, reuse), Grad(DType.Float64, reuse));
            Assert.Equal(g64, g32);
            Assert.Contains(g32, v => v != 0);
        }
    }

    /// <summary>Control: without assign the backward adds to what dx held (NaN stays), so the write-once
    /// comparison above can fail; and a copy (not dy + 0) would keep −0, which the bit comparison sees.</summary>
    [Fact]
    public void ControlsAccumulateKeepsNaNAndNegativeZeroIsVisible()
    {
        var g = new Pad2DGeometry { Planes = 1, H = 2, W = 2, Top = 1, Left = 1, OH = 4, OW = 4 };
        using var dy = Tensor.FromArray(Enumerable.Repeat(-0f, 16).ToArray(), 1, 1, 4, 4);
        using var dx = Tensor.FromArray(Enumerable.Repeat(float.NaN, 4).ToArray(), 1, 1, 2, 2);
        CpuBackend.Pad2DFloat(dy, dx, g, backward: true, assign: false);
        Assert.All(dx.ToFloatArray(), v => Assert.True(float.IsNaN(v)));
        CpuBackend.Pad2DFloat(dy, dx, g, backward: true, assign: true);
        Assert.All(dx.ToFloatArray(), v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v))); // +0, as 0 + (−0)
        Assert.NotEqual(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(dx.ToFloatArray()[0]));
    }

    private static void AssertSameBits(Tensor expected, Tensor actual, string what)
    {
        var (e, a) = (expected.ToFloatArray(), actual.ToFloatArray());
        Assert.Equal(e.Length, a.Length);
        for (var i = 0; i < e.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(e[i]) == BitConverter.SingleToInt32Bits(a[i]), $"{what}: [{i}] expected {e[i]}, got {a[i]}");
    }
}
