using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>The float32 SIMD loops cut into chunks for both cores (<see cref="CpuBackend.RunSimd"/>) give
/// the bits of one whole-span loop on one and on two threads; the write-once backward of ReLU and add
/// (first writer of a gradient: no zero fill) equals adding into zeros, and through the tape gives the
/// gradients computed by hand.</summary>
public class ElementwiseChunksTests
{
    private const int Length = 3 * CpuBackend.SimdChunk + 5; // three full chunks and a ragged one

    public static TheoryData<string> Loops => new(Enum.GetNames<CpuBackend.SimdLoop>());

    [Theory]
    [MemberData(nameof(Loops))]
    public void ChunkedLoopEqualsOneWholeLoopOnOneAndTwoThreads(string name)
    {
        var loop = Enum.Parse<CpuBackend.SimdLoop>(name);
        var rng = new Rng(11);
        var a = Random(rng, Length);
        var b = Random(rng, Length);
        var start = Random(rng, Length);
        var whole = (float[])start.Clone();
        WholeLoop(loop, a, b, whole);

        var previous = CpuParallel.ThreadLimit;
        try
        {
            foreach (var threads in new[] { 1, 2 })
            {
                CpuParallel.ThreadLimit = threads;
                using var at = Tensor.FromArray((float[])a.Clone());
                using var bt = Tensor.FromArray((float[])b.Clone());
                using var yt = Tensor.FromArray((float[])start.Clone());
                CpuBackend.RunSimd(new CpuBackend.SimdJob(loop, at, bt, yt, Length, Alpha: 0.75f, Beta: -2f));
                Assert.Equal(whole, yt.ToFloatArray());
            }
        }
        finally
        {
            CpuParallel.ThreadLimit = previous;
        }
    }

    [Fact]
    public void ChunkedLoopTouchesOnlyItsFirstNElements()
    {
        using var a = Tensor.Full(new Shape(Length), 1f);
        using var y = Tensor.Full(new Shape(Length), 7f);
        CpuBackend.RunSimd(new CpuBackend.SimdJob(CpuBackend.SimdLoop.Copy, a, null, y, Length - 3));
        var values = y.ToFloatArray();
        Assert.All(values[..^3], v => Assert.Equal(1f, v));
        Assert.Equal([7f, 7f, 7f], values[^3..]);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("add")]
    public void WriteOnceBackwardEqualsAddingIntoZeros(string name)
    {
        var op = name == "relu" ? Engine.Backends.Elementwise.ElementwiseOps.Relu : Engine.Backends.Elementwise.ElementwiseOps.Add;
        var rng = new Rng(12);
        using var x = Tensor.FromArray(Random(rng, Length));
        using var dy = Tensor.FromArray(Random(rng, Length));
        using var added0 = Tensor.Zeros(new Shape(Length));
        using var added1 = Tensor.Zeros(new Shape(Length));
        using var assigned0 = Tensor.Full(new Shape(Length), float.NaN);
        using var assigned1 = Tensor.Full(new Shape(Length), float.NaN);
        using var kept = Tensor.Full(new Shape(Length), float.NaN);
        var binary = op == Engine.Backends.Elementwise.ElementwiseOps.Add;
        CpuBackend.WriteOnceBackward(op, x, dy, added0, false, binary ? added1 : null, false, Length);
        CpuBackend.WriteOnceBackward(op, x, dy, assigned0, true, binary ? assigned1 : null, true, Length);
        CpuBackend.WriteOnceBackward(op, x, dy, kept, false, null, false, Length);
        Assert.Equal(added0.ToFloatArray(), assigned0.ToFloatArray());
        if (binary) Assert.Equal(added1.ToFloatArray(), assigned1.ToFloatArray());
        // control: without assign the NaNs that were there stay (so the equality above means the buffer was overwritten)
        Assert.All(kept.ToFloatArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void ResidualReluGradientsThroughTheTapeMatchHandComputedOnes()
    {
        // u = a·c, v = b·c, r = relu(u + v), loss = Σ r·w: du = dv = (u + v > 0 ? w : 0), da = du·c, db = dv·c.
        var rng = new Rng(13);
        var n = 2 * CpuBackend.SimdChunk + 9;
        var (av, bv, cv, wv) = (Random(rng, n), Random(rng, n), Random(rng, n), Random(rng, n));
        using var a = Tensor.FromArray(av);
        using var b = Tensor.FromArray(bv);
        using var c = Tensor.FromArray(cv);
        using var w = Tensor.FromArray(wv);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        using (var loss = Ops.Sum(Ops.Mul(Ops.Relu(Ops.Add(Ops.Mul(a, c), Ops.Mul(b, c))), w))) loss.Backward();
        var mask = Enumerable.Range(0, n).Select(i => av[i] * cv[i] + bv[i] * cv[i] > 0 ? wv[i] : 0f).ToArray();
        Assert.Equal(Enumerable.Range(0, n).Select(i => mask[i] * cv[i]), a.Grad!.ToFloatArray());
        Assert.Equal(Enumerable.Range(0, n).Select(i => mask[i] * cv[i]), b.Grad!.ToFloatArray());
    }

    [Fact]
    public void AddingATensorToItselfSumsBothGradients()
    {
        // r = relu(u + u), u = a·c: da = 2·(u > 0 ? w : 0)·c; the second operand must add to, not overwrite, the first's gradient.
        var rng = new Rng(14);
        var n = 2 * CpuBackend.SimdChunk + 3;
        var (av, cv, wv) = (Random(rng, n), Random(rng, n), Random(rng, n));
        using var a = Tensor.FromArray(av);
        using var c = Tensor.FromArray(cv);
        using var w = Tensor.FromArray(wv);
        a.RequiresGrad = true;
        using (var u = Ops.Mul(a, c))
        using (var loss = Ops.Sum(Ops.Mul(Ops.Relu(Ops.Add(u, u)), w))) loss.Backward();
        var expected = Enumerable.Range(0, n).Select(i => { var u = av[i] * cv[i]; var g = u + u > 0 ? wv[i] : 0f; return (g + g) * cv[i]; });
        Assert.Equal(expected, a.Grad!.ToFloatArray());
    }

    private static void WholeLoop(CpuBackend.SimdLoop loop, float[] a, float[] b, float[] y)
    {
        switch (loop)
        {
            case CpuBackend.SimdLoop.Relu: SimdFloat.Relu(a, y); break;
            case CpuBackend.SimdLoop.ReluBackward: SimdFloat.ReluBackward(a, b, y); break;
            case CpuBackend.SimdLoop.ReluMask: SimdFloat.Mask(a, b, y); break;
            case CpuBackend.SimdLoop.Add: SimdFloat.Add(a, b, y); break;
            case CpuBackend.SimdLoop.Subtract: SimdFloat.Subtract(a, b, y); break;
            case CpuBackend.SimdLoop.Multiply: SimdFloat.Multiply(a, b, y); break;
            case CpuBackend.SimdLoop.MultiplyAccumulate: SimdFloat.MultiplyAccumulate(a, b, y); break;
            case CpuBackend.SimdLoop.Axpy: SimdFloat.Axpy(0.75f, a, y); break;
            case CpuBackend.SimdLoop.Copy: a.CopyTo(y, 0); break;
            case CpuBackend.SimdLoop.Affine: SimdFloat.Affine(a, 0.75f, -2f, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(loop), loop, null);
        }
    }

    private static float[] Random(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextNormal()).ToArray();
}
