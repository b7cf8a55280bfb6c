using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Backends;

/// <summary>Huge logits (±100, and ±1000 where exp overflows even float64) give finite, correct losses
/// and gradients: the fused kernels use log-sum-exp and log1p(exp(-|x|)) + max(-x, 0), never
/// log(softmax) or log(sigmoid).</summary>
public class LossStabilityTests
{
    public static TheoryData<DType, double> Cases => new()
    {
        { DType.Float64, 100 },
        { DType.Float32, 100 },
        { DType.Float32, 1000 },
        { DType.Float64, 1000 },
    };

    private static Tensor Param(DType dtype, double[] values, params int[] shape)
    {
        var t = Tensor.FromArray(values, shape).To(dtype);
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SigmoidBceWithPosWeightAtHugeLogits(DType dtype, double m)
    {
        // One sample, four labels, pos_weight [1, 3, 1, 2]:
        //   x = +m, t = 0:       (1-t)·x = m                       d/dx = 1 - sigmoid(-m) = 1
        //   x = -m, t = 1, pw 3: 3·(log1p(e^-m) + m) = 3m           d/dx = -3·sigmoid(m)   = -3
        //   x = +m, t = 1:       log1p(e^-m) ≈ 0                     d/dx = -sigmoid(-m)    ≈ 0
        //   x = -m, t = 0, pw 2: log1p(e^-m) ≈ 0 (pw only scales t)  d/dx = 1 - sigmoid(m)  ≈ 0
        var x = Param(dtype, [m, -m, m, -m], 1, 4);
        var t = Tensor.FromArray([0.0, 1, 1, 0], 1, 4).To(dtype);
        var pw = Tensor.FromArray([1.0, 3, 1, 2], 4).To(dtype);
        var loss = Ops.SigmoidBceWithLogitsElementwise(x, t, pw);
        var values = loss.ToDoubleArray();
        Assert.All(values, v => Assert.True(double.IsFinite(v), $"loss {v} is not finite"));
        TestData.AssertClose([m, 3 * m, 0, 0], values, 1e-12, 1e-7, "BCE with logits at ±" + m);

        Ops.Sum(loss).Backward();
        var g = x.Grad!.ToDoubleArray();
        TestData.AssertClose([1, -3, 0, 0], g, 1e-12, 0, "gradient at ±" + m);
        // |d/dx| ≤ max(1, pw) for targets in [0, 1], whatever the logit.
        double[] bound = [1, 3, 1, 2];
        for (var i = 0; i < g.Length; i++) Assert.True(Math.Abs(g[i]) <= bound[i], $"gradient {g[i]} at [{i}] exceeds {bound[i]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SigmoidBceMeanStaysFiniteForSoftTargets(DType dtype, double m)
    {
        // t = 0.5 at x = ±m: 0.5·x + 0.5·softplus(-x) → m/2 either way; the mean over 2 labels is m/2.
        var x = Param(dtype, [m, -m], 1, 2);
        var loss = Ops.SigmoidBceWithLogits(x, Tensor.FromArray([0.5, 0.5], 1, 2).To(dtype));
        TestData.AssertClose([m / 2], loss.ToDoubleArray(), 1e-12, 1e-7, "soft-target BCE");
        Ops.Sum(loss).Backward();
        // d/dx = (1 - t) - sigmoid(-x) = sigmoid(x) - 0.5 = ±0.5, halved by the mean over 2 labels: [0.25, -0.25]
        TestData.AssertClose([0.25, -0.25], x.Grad!.ToDoubleArray(), 1e-12, 0, "soft-target gradient");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SoftmaxCrossEntropyAtHugeLogits(DType dtype, double m)
    {
        // logits [m, 0, -m]: log Σ exp = m + log(1 + e^-m + e^-2m) = m, so log_softmax = [0, -m, -2m].
        // Class 0 costs 0, class 2 costs 2m; softmax = [1, 0, 0], so the gradients are [0, 0, 0] and [1, 0, -1].
        var x = Param(dtype, [m, 0, -m, m, 0, -m], 2, 3);
        var t = Tensor.FromArray([1.0, 0, 0, 0, 0, 1], 2, 3).To(dtype);
        var loss = Ops.SoftmaxCrossEntropy(x, t);
        TestData.AssertClose([0, 2 * m], loss.ToDoubleArray(), 1e-12, 1e-7, "softmax CE at ±" + m);
        Ops.Sum(loss).Backward();
        TestData.AssertClose([0, 0, 0, 1, 0, -1], x.Grad!.ToDoubleArray(), 1e-12, 0, "softmax CE gradient");

        var xs = Param(dtype, [m, 0, -m, m, 0, -m], 2, 3);
        var sparse = Ops.SparseSoftmaxCrossEntropy(xs, Tensor.FromArray([0, 2]));
        TestData.AssertClose([0, 2 * m], sparse.ToDoubleArray(), 1e-12, 1e-7, "sparse CE at ±" + m);
        Ops.Sum(sparse).Backward();
        TestData.AssertClose([0, 0, 0, 1, 0, -1], xs.Grad!.ToDoubleArray(), 1e-12, 0, "sparse CE gradient");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LabelSmoothingAtHugeLogits(DType dtype, double m)
    {
        // ls = 0.3, C = 3, class 0: t' = [0.8, 0.1, 0.1]; loss = 0.8·0 + 0.1·m + 0.1·2m = 0.3m.
        var x = Param(dtype, [m, 0, -m], 1, 3);
        var loss = Ops.SoftmaxCrossEntropy(x, Tensor.FromArray([1.0, 0, 0], 1, 3).To(dtype), labelSmoothing: 0.3);
        TestData.AssertClose([0.3 * m], loss.ToDoubleArray(), 1e-9, 1e-6, "smoothed CE");
        Ops.Sum(loss).Backward();
        TestData.AssertClose([0.2, -0.1, -0.1], x.Grad!.ToDoubleArray(), 1e-6, 1e-6, "smoothed CE gradient = softmax - t'");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProbabilityLossesStayFiniteAtSaturatedProbabilities(DType dtype, double m)
    {
        // Exactly 0 and 1 probabilities (a saturated softmax or sigmoid) are clipped, not logged.
        var p = Param(dtype, [0, 1, 1, 0], 2, 2);
        var t = Tensor.FromArray([1.0, 0, 1, 0], 2, 2).To(dtype);
        var bce = Ops.BinaryCrossEntropy(p, t);
        var cce = Ops.CategoricalCrossEntropy(Ops.Softmax(Param(dtype, [m, -m, -m, m], 2, 2)), t);
        Assert.All(bce.ToDoubleArray(), v => Assert.True(double.IsFinite(v) && v > 0, $"BCE {v}"));
        Assert.All(cce.ToDoubleArray(), v => Assert.True(double.IsFinite(v) && v >= 0, $"CCE {v}"));
        Ops.Sum(bce).Backward();
        Assert.All(p.Grad!.ToDoubleArray(), v => Assert.Equal(0, v));
    }
}
