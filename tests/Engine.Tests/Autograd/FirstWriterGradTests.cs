using Engine.Autograd;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Backward kernels that take an intermediate gradient uninitialised when they are its first
/// writer (BackwardPass.GradToOverwrite: float32 max-pool backward and conv's col2im on the CPU). The
/// kernels must give bitwise what clearing the buffer and adding gives, whatever the buffer held; and an
/// input consumed by several ops must still get the sum of all their gradients, whichever writes first.</summary>
public class FirstWriterGradTests
{
    private static float[] Dirty(int size) => Enumerable.Repeat(float.NaN, size).ToArray();

    [Theory]
    [InlineData(2, 2, 2, 9, 8)]   // odd height: the last row is in no window and must come out 0
    [InlineData(3, 3, 1, 7, 7)]   // overlapping windows
    [InlineData(2, 2, 2, 26, 26)]
    public void MaxPoolGradAssignIgnoresOldContents(int pool, int poolW, int stride, int h, int w)
    {
        var rng = new Rng(21);
        var (n, c) = (3, 4);
        var (oh, ow) = ((h - pool) / stride + 1, (w - poolW) / stride + 1);
        using var x = Tensor.FromArray(Enumerable.Range(0, n * c * h * w).Select(_ => MathF.Round((float)rng.NextNormal() * 2) / 2).ToArray(), n, c, h, w);
        using var y = Tensor.Empty(new Shape(n, c, oh, ow));
        using var arg = Tensor.Empty(y.Shape, DType.Int32);
        CpuBackend.Instance.MaxPool2DForward(x, y, arg, new Pool2DGeometry { N = n, C = c, H = h, W = w, KH = pool, KW = poolW, SH = stride, SW = stride, PH = 0, PW = 0, OH = oh, OW = ow });
        using var dy = Tensor.FromArray(Enumerable.Range(0, y.Size).Select(_ => (float)rng.NextNormal()).ToArray(), n, c, oh, ow);

        using var expected = Tensor.Zeros(x.Shape);
        CpuBackend.Instance.MaxPool2DBackward(dy, arg, expected, y.Size);
        using var assigned = Tensor.FromArray(Dirty(x.Size), n, c, h, w);
        CpuBackend.MaxPoolGradPlanes(dy, arg, assigned, n * c, oh * ow, h * w, assign: true);
        Assert.Equal(expected.ToFloatArray(), assigned.ToFloatArray());

        // Control: without assign the old contents stay (here NaN), so the test above can fail.
        using var added = Tensor.FromArray(Dirty(x.Size), n, c, h, w);
        CpuBackend.MaxPoolGradPlanes(dy, arg, added, n * c, oh * ow, h * w, assign: false);
        Assert.Contains(added.ToFloatArray(), float.IsNaN);
    }

    [Theory]
    [InlineData(2, 3, 13, 13, 3, 1, 0)]
    [InlineData(2, 2, 9, 7, 3, 2, 1)] // stride 2 with padding: some inputs get no contribution
    [InlineData(1, 4, 5, 5, 1, 2, 0)] // 1×1 stride 2: most inputs get nothing
    public void Col2ImAssignIgnoresOldContents(int n, int c, int h, int w, int k, int s, int p)
    {
        var rng = new Rng(22);
        var (oh, ow) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
        using var col = Tensor.FromArray(Enumerable.Range(0, c * k * k * n * oh * ow).Select(_ => (float)rng.NextNormal()).ToArray(), c * k * k, n * oh * ow);
        using var expected = Tensor.Zeros(new Shape(n, c, h, w));
        var g = new Conv2DGeometry { N = n, C = c, F = c, Groups = 1, H = h, W = w, KH = k, KW = k, SH = s, SW = s, PH = p, PW = p, DH = 1, DW = 1, OH = oh, OW = ow };
        CpuBackend.Col2Im<float>(col, expected, g); // the generic loop
        using var assigned = Tensor.FromArray(Dirty(expected.Size), n, c, h, w);
        CpuBackend.Col2ImFloat(col, assigned, g, assign: true);
        Assert.Equal(expected.ToFloatArray(), assigned.ToFloatArray());

        using var added = Tensor.FromArray(Dirty(expected.Size), n, c, h, w);
        CpuBackend.Col2ImFloat(col, added, g, assign: false);
        Assert.Contains(added.ToFloatArray(), float.IsNaN);
    }

    /// <summary>h feeds a max-pool, a conv and an elementwise product; its gradient (and x's) in float32
    /// must match the same graph in float64, with pool poisoning on so that an uninitialised
    /// buffer that was not fully overwritten would show.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void SharedInputGetsEveryConsumersGradient(int order)
    {
        var rng = new Rng(23);
        var (n, c, h, w, f) = (2, 3, 9, 9, 4);
        var xv = Enumerable.Range(0, n * c * h * w).Select(_ => rng.NextNormal()).ToArray();
        var sv = Enumerable.Range(0, n * c * h * w).Select(_ => rng.NextNormal()).ToArray();
        var wv = Enumerable.Range(0, f * c * 9).Select(_ => rng.NextNormal() * 0.3).ToArray();
        var r1 = Enumerable.Range(0, n * c * 4 * 4).Select(_ => rng.NextNormal()).ToArray();
        var r2 = Enumerable.Range(0, n * f * 7 * 7).Select(_ => rng.NextNormal()).ToArray();
        var r3 = Enumerable.Range(0, n * c * h * w).Select(_ => rng.NextNormal()).ToArray();

        double[] Grad(DType dtype)
        {
            // Every rented array starts as NaN: an uninitialised gradient not fully overwritten would show.
            using var poison = CpuArrayPool.PoisonScope();
            Tensor T(double[] v, params int[] shape) => Tensor.FromArray(v, shape).To(dtype);
            var x = T(xv, n, c, h, w);
            x.RequiresGrad = true;
            var wt = T(wv, f, c, 3, 3);
            wt.RequiresGrad = true;
            var hh = Ops.Mul(x, T(sv, n, c, h, w)); // an intermediate with three consumers
            var pool = Ops.Sum(Ops.Mul(Ops.MaxPool2D(hh, 2), T(r1, n, c, 4, 4)));
            var conv = Ops.Sum(Ops.Mul(Ops.Conv2D(hh, wt, null, 1, 1, Padding.Valid, relu: true), T(r2, n, f, 7, 7)));
            var lin = Ops.Sum(Ops.Mul(hh, T(r3, n, c, h, w)));
            var loss = order switch
            {
                0 => Ops.Add(Ops.Add(pool, conv), lin),
                1 => Ops.Add(Ops.Add(conv, lin), pool),
                _ => Ops.Add(Ops.Add(lin, pool), conv),
            };
            loss.Backward();
            return x.Grad!.ToDoubleArray();
        }

        var g32 = Grad(DType.Float32);
        var g64 = Grad(DType.Float64);
        Assert.All(g32, v => Assert.True(double.IsFinite(v)));
        for (var i = 0; i < g64.Length; i++)
            Assert.True(Math.Abs(g32[i] - g64[i]) <= 1e-4 * (1 + Math.Abs(g64[i])), $"x.grad[{i}]: float32 {g32[i]} vs float64 {g64[i]}");
    }
}
