using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Float64 central-difference checks of every loss on odd shapes (batch 3, 5 or 7 classes),
/// with label smoothing, non-uniform pos_weight and non-uniform sample weights.</summary>
public class GradCheckLossTests
{
    private readonly Rng _rng = new(7);

    [Fact]
    public void SoftmaxCrossEntropySoftTargets() => GradCheck.Assert("softmax_cross_entropy (soft targets)",
        x => Ops.SoftmaxCrossEntropy(x[0], x[1]), Logits(3, 5), LossTestData.SoftTargets(_rng, 3, 5));

    [Fact]
    public void SoftmaxCrossEntropyOneHotWithLabelSmoothing() => GradCheck.Assert("softmax_cross_entropy (ls 0.1)",
        x => Ops.SoftmaxCrossEntropy(x[0], x[1], labelSmoothing: 0.1), Logits(3, 7), LossTestData.OneHot([6, 0, 3], 7));

    [Fact]
    public void SoftmaxCrossEntropyTargetsNotSummingToOne() => GradCheck.Assert("softmax_cross_entropy (target mass ≠ 1)",
        x => Ops.SoftmaxCrossEntropy(x[0], x[1]), Logits(3, 5), LossTestData.Uniform(_rng, 0, 1, 3, 5));

    [Fact]
    public void SoftmaxCrossEntropyRank3() => GradCheck.Assert("softmax_cross_entropy (N, T, C)",
        x => Ops.SoftmaxCrossEntropy(x[0], x[1]), Logits3(3, 2, 5), LossTestData.SoftTargets(_rng, 6, 5).Reshape(3, 2, 5));

    [Fact]
    public void SparseSoftmaxCrossEntropy() => GradCheck.Assert("sparse_softmax_cross_entropy",
        x => Ops.SparseSoftmaxCrossEntropy(x[0], Tensor.FromArray([4, 0, 6])), Logits(3, 7));

    [Fact]
    public void SparseSoftmaxCrossEntropyColumnLabels() => GradCheck.Assert("sparse_softmax_cross_entropy (labels (N, 1))",
        x => Ops.SparseSoftmaxCrossEntropy(x[0], Tensor.FromArray([2, 2, 0], 3, 1)), Logits(3, 5));

    [Fact]
    public void CategoricalCrossEntropyOnProbabilities() => GradCheck.Assert("categorical_cross_entropy (probs)",
        x => Ops.CategoricalCrossEntropy(x[0], x[1]), LossTestData.Probabilities(_rng, 3, 5), LossTestData.SoftTargets(_rng, 3, 5));

    [Fact]
    public void CategoricalCrossEntropyThroughSoftmaxWithLabelSmoothing() => GradCheck.Assert("categorical_cross_entropy(softmax(x), ls 0.2)",
        x => Ops.CategoricalCrossEntropy(Ops.Softmax(x[0]), x[1], labelSmoothing: 0.2), Logits(3, 7), LossTestData.OneHot([1, 5, 6], 7));

    [Fact]
    public void BinaryCrossEntropy() => GradCheck.Assert("binary_cross_entropy",
        x => Ops.BinaryCrossEntropy(x[0], x[1]), LossTestData.Probabilities(_rng, 3, 5), LossTestData.Uniform(_rng, 0, 1, 3, 5));

    [Fact]
    public void BinaryCrossEntropyElementwiseRank3() => GradCheck.Assert("binary_cross_entropy elementwise (3, 5, 7)",
        x => Ops.BinaryCrossEntropyElementwise(x[0], x[1]), LossTestData.Probabilities(_rng, 3, 5, 7), LossTestData.Binary(_rng, 3, 5, 7));

    [Fact]
    public void BinaryCrossEntropyThroughSigmoid() => GradCheck.Assert("binary_cross_entropy(sigmoid(x))",
        x => Ops.BinaryCrossEntropy(Ops.Sigmoid(x[0]), x[1]), Logits(3, 5), LossTestData.Binary(_rng, 3, 5));

    [Fact]
    public void SigmoidBceWithLogits() => GradCheck.Assert("sigmoid_bce_with_logits",
        x => Ops.SigmoidBceWithLogits(x[0], x[1]), Logits(3, 5, scale: 3), LossTestData.Binary(_rng, 3, 5));

    [Fact]
    public void SigmoidBceWithLogitsNonUniformPosWeight() => GradCheck.Assert("sigmoid_bce_with_logits (pos_weight)",
        x => Ops.SigmoidBceWithLogits(x[0], x[1], Tensor.FromArray([0.5, 1.0, 2.0, 3.0, 7.5])),
        Logits(3, 5, scale: 3), LossTestData.Binary(_rng, 3, 5));

    [Fact]
    public void SigmoidBceWithLogitsElementwiseSoftTargetsAndPosWeight() => GradCheck.Assert("sigmoid_bce_with_logits elementwise (soft targets, pos_weight)",
        x => Ops.SigmoidBceWithLogitsElementwise(x[0], x[1], Tensor.FromArray([4.0, 0.25, 1.5, 9.0, 1.0, 2.0, 0.1])),
        Logits(3, 7, scale: 3), LossTestData.Uniform(_rng, 0, 1, 3, 7));

    [Fact]
    public void WeightedMeanOfPerSampleLosses() => GradCheck.Assert("weighted_mean (losses)",
        x => Ops.WeightedMean(x[0], Tensor.FromArray([0.2, 3.0, 1.1, 0.0, 2.5])), TestData.Param(_rng, 5));

    [Fact]
    public void WeightedMeanOfElementwiseLosses() => GradCheck.Assert("weighted_mean (losses (N, L))",
        x => Ops.WeightedMean(x[0], Tensor.FromArray([0.2, 3.0, 1.1])), TestData.Param(_rng, 3, 5));

    [Fact]
    public void SampleWeightedSoftmaxCrossEntropy() => GradCheck.Assert("weighted_mean(softmax_cross_entropy, w)",
        x => Ops.WeightedMean(Ops.SoftmaxCrossEntropy(x[0], x[1], labelSmoothing: 0.1), Tensor.FromArray([0.5, 2.0, 1.25])),
        Logits(3, 5), LossTestData.OneHot([0, 4, 2], 5));

    [Fact]
    public void SampleWeightedSparseSoftmaxCrossEntropy() => GradCheck.Assert("weighted_mean(sparse_softmax_cross_entropy, w)",
        x => Ops.WeightedMean(Ops.SparseSoftmaxCrossEntropy(x[0], Tensor.FromArray([3, 3, 1])), Tensor.FromArray([0.1, 1.0, 4.0])),
        Logits(3, 5));

    [Fact]
    public void SampleWeightedCategoricalCrossEntropy() => GradCheck.Assert("weighted_mean(categorical_cross_entropy, w)",
        x => Ops.WeightedMean(Ops.CategoricalCrossEntropy(Ops.Softmax(x[0]), x[1]), Tensor.FromArray([3.0, 0.0, 0.7])),
        Logits(3, 7), LossTestData.SoftTargets(_rng, 3, 7));

    [Fact]
    public void SampleWeightedBinaryCrossEntropy() => GradCheck.Assert("weighted_mean(binary_cross_entropy, w)",
        x => Ops.WeightedMean(Ops.BinaryCrossEntropy(x[0], x[1]), Tensor.FromArray([1.5, 0.25, 2.0])),
        LossTestData.Probabilities(_rng, 3, 5), LossTestData.Binary(_rng, 3, 5));

    [Fact]
    public void SampleWeightedSigmoidBceWithLogitsWithPosWeight() => GradCheck.Assert("weighted_mean(sigmoid_bce(pos_weight), w)",
        x => Ops.WeightedMean(Ops.SigmoidBceWithLogits(x[0], x[1], Tensor.FromArray([2.0, 0.5, 5.0, 1.0, 3.0])), Tensor.FromArray([0.3, 1.7, 1.0])),
        Logits(3, 5, scale: 3), LossTestData.Binary(_rng, 3, 5));

    [Fact]
    public void TargetsAndWeightsGetNoGradient()
    {
        var x = Logits(3, 5);
        var t = LossTestData.SoftTargets(_rng, 3, 5);
        t.RequiresGrad = true;
        var pw = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0]);
        pw.RequiresGrad = true;
        var w = Tensor.FromArray([1.0, 2.0, 3.0]);
        w.RequiresGrad = true;
        var loss = Ops.Add(Ops.WeightedMean(Ops.SoftmaxCrossEntropy(x, t, 0.1), w), Ops.WeightedMean(Ops.SigmoidBceWithLogits(x, t, pw), w));
        loss.Backward();
        Assert.NotNull(x.Grad);
        Assert.Null(t.Grad);
        Assert.Null(pw.Grad);
        Assert.Null(w.Grad);
    }

    private Tensor Logits(int rows, int cols, double scale = 1) => Logits([rows, cols], scale);

    private Tensor Logits3(int a, int b, int c) => Logits([a, b, c], 1);

    private Tensor Logits(int[] shape, double scale)
    {
        var t = Tensor.RandomNormal(new Shape(shape), _rng, std: scale, dtype: DType.Float64);
        t.RequiresGrad = true;
        return t;
    }
}
