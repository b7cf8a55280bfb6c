using Engine.Autograd;
using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>The fused residual join <see cref="Ops.AddRelu"/>: float64 gradient check with a negative
/// control, bitwise agreement with relu(a + b) in float32 through the tape (first-writer gradients, a
/// shared operand, a reused input), and 1-vs-2-thread equality of the chunked float32 kernels.</summary>
public class AddReluTests
{
    private readonly Rng _rng = new(23);

    [Fact]
    public void GradCheck() =>
        Engine.Autograd.GradCheck.Assert("add_relu", t => Ops.AddRelu(t[0], t[1]), TestData.Param(_rng, 3, 2, 5, 7), TestData.Param(_rng, 3, 2, 5, 7));

    [Fact]
    public void GradCheckSameOperandTwice() =>
        Engine.Autograd.GradCheck.Assert("add_relu(u, u)", t => Ops.AddRelu(t[0], t[0]), TestData.AwayFromZero(_rng, 3, 4, 5));

    [Fact]
    public void NegativeControlBackwardWithoutTheMask()
    {
        Func<Tensor[], Tensor> make(bool mask) => t =>
        {
            Tensor y;
            using (Tape.NoGrad()) y = Ops.AddRelu(t[0], t[1]);
            Tape.Record("add_relu", y, t, (dy, grad) =>
            {
                if (mask) CpuBackend.Instance.AddReluBackward(y, dy, grad(t[0]), grad(t[1]), dy.Size);
                else
                {
                    CpuBackend.Instance.Axpy(1, dy, grad(t[0])!, dy.Size);
                    CpuBackend.Instance.Axpy(1, dy, grad(t[1])!, dy.Size);
                }
            });
            return y;
        };
        var inputs = new[] { TestData.Param(_rng, 3, 2, 5, 7), TestData.Param(_rng, 3, 2, 5, 7) };
        Assert.True(Engine.Autograd.GradCheck.Check("fused backward through the harness", make(true), inputs).Passed, "the harness itself fails");
        Assert.False(Engine.Autograd.GradCheck.Check("add backward without the ReLU mask", make(false), inputs).Passed, "a backward without the mask passed");
    }

    /// <summary>float32 through the tape, fused vs relu(a + b): the same bits in y and in every gradient.
    /// The operands are intermediates (so the fused backward is their gradients' first writer), one is
    /// also used elsewhere (its gradient adds), and the u + u case shares one gradient buffer.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesTheCompositeBitwiseInFloat32(bool sameOperand)
    {
        var n = 3 * 4 * 33 * 35; // 2 chunks and a ragged one: the parallel path
        var (av, bv, wv) = (Values(n), Values(n), Values(n));
        float[][] Run(bool fused)
        {
            var a0 = Tensor.FromArray(av, 3, 4, 33, 35);
            var b0 = Tensor.FromArray(bv, 3, 4, 33, 35);
            (a0.RequiresGrad, b0.RequiresGrad) = (true, true);
            var w = Tensor.FromArray(wv, 3, 4, 33, 35);
            var two = Tensor.Full(new Shape(1), 2.0);
            var (a, b) = (Ops.Mul(a0, two), Ops.Mul(b0, two));
            var second = sameOperand ? a : b;
            var y = fused ? Ops.AddRelu(a, second) : Ops.Relu(Ops.Add(a, second));
            Ops.Add(Ops.Sum(Ops.Mul(y, w)), Ops.Sum(Ops.Mul(b, w))).Backward();
            return [y.ToFloatArray(), a0.Grad!.ToFloatArray(), b0.Grad!.ToFloatArray()];
        }
        var (f, r) = (Run(true), Run(false));
        Assert.Contains(r[0], v => v == 0);
        for (var k = 0; k < f.Length; k++)
            Assert.True(f[k].Select(BitConverter.SingleToInt32Bits).SequenceEqual(r[k].Select(BitConverter.SingleToInt32Bits)), $"output {k} differs from the composite");
    }

    [Fact]
    public void ChunkedKernelsGiveTheSameBitsOnOneAndTwoThreads()
    {
        var n = 2 * CpuBackend.SimdChunk + 1234;
        using var a = Tensor.FromArray(Values(n));
        using var b = Tensor.FromArray(Values(n));
        using var dy = Tensor.FromArray(Values(n));
        using var start = Tensor.FromArray(Values(n));
        float[][] Run(int threads)
        {
            var previous = CpuParallel.ThreadLimit;
            CpuParallel.ThreadLimit = threads;
            try
            {
                using var y = Tensor.Empty(a.Shape);
                using var da = Tensor.Full(a.Shape, float.NaN);
                using var db = Tensor.FromArray(start.ToFloatArray());
                CpuBackend.Instance.AddReluForward(a, b, y, n);
                CpuBackend.AddReluBackwardFloat(y, dy, da, true, db, false, n);
                return [y.ToFloatArray(), da.ToFloatArray(), db.ToFloatArray()];
            }
            finally { CpuParallel.ThreadLimit = previous; }
        }
        var (one, two) = (Run(1), Run(2));
        for (var k = 0; k < one.Length; k++)
            Assert.True(one[k].Select(BitConverter.SingleToInt32Bits).SequenceEqual(two[k].Select(BitConverter.SingleToInt32Bits)), $"output {k} differs between 1 and 2 threads");
        Assert.DoesNotContain(one[1], float.IsNaN);
    }

    private float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)_rng.NextNormal()).ToArray();
}
