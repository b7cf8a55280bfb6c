using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Each fused loss equals the composite of its primitives (Ops), in value and gradient.
/// The output is weighted by fixed non-uniform weights before Backward so a per-row mistake shows.</summary>
public class LossCompositeTests
{
    public static TheoryData<DType> FloatTypes => [DType.Float32, DType.Float64];

    private readonly Rng _rng = new(11);

    private static double Tol(DType dtype) => dtype == DType.Float32 ? 1e-5 : 1e-12;

    /// <summary>Loss values of f(x) and the gradient of Σ r·f(x) with respect to x.</summary>
    private static (double[] Loss, double[] Grad) Run(Func<Tensor, Tensor> f, double[] x, DType dtype, int[] shape)
    {
        var p = Tensor.FromArray(x, shape).To(dtype);
        p.RequiresGrad = true;
        var loss = f(p);
        var r = Tensor.FromHost(loss.Shape, dtype, null, i => 0.5 + 0.25 * i);
        Ops.Sum(Ops.Mul(loss, r)).Backward();
        return (loss.ToDoubleArray(), p.Grad!.ToDoubleArray());
    }

    private static void AssertSame((double[] Loss, double[] Grad) fused, (double[] Loss, double[] Grad) composite, double tol, string what)
    {
        TestData.AssertClose(composite.Loss, fused.Loss, tol, tol, what + " value");
        TestData.AssertClose(composite.Grad, fused.Grad, tol, tol, what + " gradient");
    }

    private double[] Normal(int n, double scale = 1)
    {
        var d = new double[n];
        for (var i = 0; i < n; i++) d[i] = scale * _rng.NextNormal();
        return d;
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SoftmaxCrossEntropyEqualsMinusTargetTimesLogSoftmax(DType dtype)
    {
        var x = Normal(15, 2);
        var t = LossTestData.SoftTargets(_rng, 3, 5).To(dtype);
        var fused = Run(l => Ops.SoftmaxCrossEntropy(l, t), x, dtype, [3, 5]);
        var composite = Run(l => Ops.Neg(Ops.Sum(Ops.Mul(t, Ops.LogSoftmax(l)), -1)), x, dtype, [3, 5]);
        AssertSame(fused, composite, Tol(dtype), "softmax CE vs -Σ t·log_softmax");
    }

    [Fact]
    public void LabelSmoothingEqualsSmoothedTargets()
    {
        // Keras: t' = t·(1 - 0.2) + 0.2/7, built here on the host.
        int[] labels = [6, 0, 3];
        var t = LossTestData.OneHot(labels, 7);
        var smoothed = Tensor.FromArray(Array.ConvertAll(t.ToArray<double>(), v => v * 0.8 + 0.2 / 7), 3, 7);
        var x = Normal(21);
        var fused = Run(l => Ops.SoftmaxCrossEntropy(l, t, labelSmoothing: 0.2), x, DType.Float64, [3, 7]);
        var composite = Run(l => Ops.Neg(Ops.Sum(Ops.Mul(smoothed, Ops.LogSoftmax(l)), -1)), x, DType.Float64, [3, 7]);
        AssertSame(fused, composite, 1e-12, "label smoothing");
        var probsFused = Run(l => Ops.CategoricalCrossEntropy(Ops.Softmax(l), t, labelSmoothing: 0.2), x, DType.Float64, [3, 7]);
        AssertSame(probsFused, composite, 1e-12, "label smoothing from probabilities");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SparseEqualsDenseWithOneHotTargets(DType dtype)
    {
        int[] labels = [4, 0, 6];
        var x = Normal(21, 3);
        var sparse = Run(l => Ops.SparseSoftmaxCrossEntropy(l, Tensor.FromArray(labels)), x, dtype, [3, 7]);
        var dense = Run(l => Ops.SoftmaxCrossEntropy(l, LossTestData.OneHot(labels, 7).To(dtype)), x, dtype, [3, 7]);
        AssertSame(sparse, dense, Tol(dtype), "sparse vs one-hot");
    }

    [Fact]
    public void CategoricalCrossEntropyOfSoftmaxEqualsSoftmaxCrossEntropy()
    {
        // Moderate logits: no probability reaches the 1e-7 clip.
        var x = Normal(15);
        var t = LossTestData.SoftTargets(_rng, 3, 5);
        var fromProbs = Run(l => Ops.CategoricalCrossEntropy(Ops.Softmax(l), t), x, DType.Float64, [3, 5]);
        var fused = Run(l => Ops.SoftmaxCrossEntropy(l, t), x, DType.Float64, [3, 5]);
        AssertSame(fromProbs, fused, 1e-10, "CE(softmax(x)) vs fused");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void SigmoidBceEqualsBceOfSigmoid(DType dtype)
    {
        // |x| ≤ ~4.5 keeps sigmoid(x) well inside [1e-7, 1 - 1e-7], so the clip never acts.
        var x = Normal(15, 1.5);
        var t = LossTestData.Uniform(_rng, 0, 1, 3, 5).To(dtype);
        var fused = Run(l => Ops.SigmoidBceWithLogits(l, t), x, dtype, [3, 5]);
        var composite = Run(l => Ops.BinaryCrossEntropy(Ops.Sigmoid(l), t), x, dtype, [3, 5]);
        AssertSame(fused, composite, dtype == DType.Float32 ? 1e-5 : 1e-10, "sigmoid BCE vs BCE(sigmoid)");
    }

    [Fact]
    public void PosWeightedSigmoidBceEqualsTorchFormula()
    {
        // PyTorch's BCEWithLogitsLoss(pos_weight): -(pw·t·log σ(x) + (1 - t)·log(1 - σ(x))), per label j.
        double[] pw = [0.5, 1, 2, 3, 7.5];
        var x = Normal(15, 2);
        var t = LossTestData.Uniform(_rng, 0, 1, 3, 5);
        var pwRows = Tensor.FromHost(new Shape(3, 5), DType.Float64, null, i => pw[i % 5]);
        var fused = Run(l => Ops.SigmoidBceWithLogitsElementwise(l, t, Tensor.FromArray(pw)), x, DType.Float64, [3, 5]);
        var composite = Run(l =>
        {
            var s = Ops.Sigmoid(l);
            var positive = Ops.Mul(Ops.Mul(pwRows, t), Ops.Log(s));
            var negative = Ops.Mul(Ops.RSubScalar(1, t), Ops.Log(Ops.RSubScalar(1, s)));
            return Ops.Neg(Ops.Add(positive, negative));
        }, x, DType.Float64, [3, 5]);
        AssertSame(fused, composite, 1e-10, "pos-weighted sigmoid BCE vs torch formula");
    }

    [Fact]
    public void WeightedMeanEqualsSumOfWeightedLossesOverN()
    {
        var x = Normal(5);
        double[] w = [0.2, 3, 1.1, 0, 2.5];
        var fused = Run(l => Ops.WeightedMean(l, Tensor.FromArray(w)), x, DType.Float64, [5]);
        var composite = Run(l => Ops.DivScalar(Ops.Sum(Ops.Mul(l, Tensor.FromArray(w))), 5), x, DType.Float64, [5]);
        AssertSame(fused, composite, 1e-14, "weighted mean");
        // Run weights the scalar output by r = 0.5, so d/dl = 0.5·w / N.
        TestData.AssertClose(Array.ConvertAll(w, v => 0.5 * v / 5), fused.Grad, 1e-15, 0, "d/dl = w / N");
    }
}
