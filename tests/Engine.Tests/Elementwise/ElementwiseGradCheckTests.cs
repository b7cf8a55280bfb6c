using Engine.Autograd;
using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Tests.Elementwise;

/// <summary>Every generated op, float64 on the CPU: its derivative passes the gradient checker, and a
/// wrong backward (the op's own backward run twice, so every gradient is doubled) fails it while the
/// same harness with the backward run once passes.</summary>
public class ElementwiseGradCheckTests
{
    private static readonly Shape Shape = new(3, 5, 7);

    private static Tensor[] Inputs(ElementwiseOp op) => Enumerable.Range(0, op.Inputs.Count).Select(k =>
    {
        var t = ElementwiseOpCases.Input(op, k, Shape, DType.Float64, seed: k);
        t.RequiresGrad = ElementwiseOpCases.TakesGradient(op, k);
        return t;
    }).ToArray();

    [Theory]
    [MemberData(nameof(ElementwiseOpCases.Names), MemberType = typeof(ElementwiseOpCases))]
    public void GradientMatchesFiniteDifferences(string name)
    {
        var op = ElementwiseOpCases.Op(name);
        var p = ElementwiseOpCases.Params(op);
        GradCheck.Assert(name, x => Ops.Map(op, x[0], x.Length > 1 ? x[1] : null, p[0], p[1], p[2]), Inputs(op));
    }

    [Theory]
    [MemberData(nameof(ElementwiseOpCases.Names), MemberType = typeof(ElementwiseOpCases))]
    public void DoubledBackwardIsCaught(string name)
    {
        var op = ElementwiseOpCases.Op(name);
        var inputs = Inputs(op);
        Assert.True(GradCheck.Check(name + " (backward once, through the harness)", x => WithBackward(op, x, 1), inputs).Passed,
            $"{name}: the harness itself fails");
        var result = GradCheck.Check(name + " (backward twice)", x => WithBackward(op, x, 2), inputs);
        Assert.False(result.Passed, $"{name}: a doubled gradient passed the gradient check");
        Assert.NotEmpty(result.Mismatches);
    }

    /// <summary>The op's forward off the tape, recorded with its backward run <paramref name="times"/> times.</summary>
    private static Tensor WithBackward(ElementwiseOp op, Tensor[] x, int times)
    {
        var p = ElementwiseOpCases.Params(op);
        var (a, b) = (x[0], x.Length > 1 ? x[1] : null);
        Tensor y;
        using (Tape.NoGrad()) y = Ops.Map(op, a, b, p[0], p[1], p[2]);
        Tape.Record(op.Name, y, x, (dy, grad) =>
        {
            Tensor Saved(string s) => s == "y" ? y : s == op.Inputs[0] ? a : b!;
            var s0 = op.Saved.Count > 0 ? Saved(op.Saved[0]) : null;
            var s1 = op.Saved.Count > 1 ? Saved(op.Saved[1]) : null;
            for (var t = 0; t < times; t++)
                dy.Backend.ElementwiseBackward(op, s0, s1, dy, grad(a), op.Grads.Count > 1 ? grad(b!) : null, dy.Size, p[0], p[1], p[2]);
        });
        return y;
    }
}
