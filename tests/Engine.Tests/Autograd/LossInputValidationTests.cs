using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Autograd;

/// <summary>Bad input to a loss is an error that names what was received and what was expected.</summary>
public class LossInputValidationTests
{
    private static Tensor Zeros(params int[] shape) => Tensor.Zeros(new Shape(shape));

    private static void Throws(Action action, params string[] parts)
    {
        var ex = Assert.Throws<ArgumentException>(action);
        foreach (var part in parts) Assert.Contains(part, ex.Message);
    }

    [Fact]
    public void OutOfRangeLabelNamesLabelIndexAndClassCount()
    {
        var labels = Tensor.FromArray([0, 1, 2, 3, 4, 12, 9]);
        Throws(() => Ops.SparseSoftmaxCrossEntropy(Zeros(7, 10), labels), "label 12 at index 5 is out of range for 10 classes");
        Throws(() => Ops.SparseSoftmaxCrossEntropy(Zeros(2, 10), Tensor.FromArray([-1, 0])), "label -1 at index 0 is out of range for 10 classes");
        Throws(() => Ops.SparseSoftmaxCrossEntropy(Zeros(2, 10), Tensor.FromArray([3, 10])), "label 10 at index 1");
    }

    [Fact]
    public void SparseLabelsMustBeInt32WithOnePerSample()
    {
        Throws(() => Ops.SparseSoftmaxCrossEntropy(Zeros(3, 5), Zeros(3)), "int32 class labels", "float32", "SoftmaxCrossEntropy");
        Throws(() => Ops.SparseSoftmaxCrossEntropy(Zeros(4, 5), Tensor.FromArray([1, 2, 3])), "labels must have shape (4,)", "logits (4, 5)", "received labels (3,)");
    }

    [Fact]
    public void TargetShapeMismatchNamesBothShapes()
    {
        Throws(() => Ops.SoftmaxCrossEntropy(Zeros(3, 5), Zeros(3, 4)), "logits (3, 5)", "target (3, 4)");
        Throws(() => Ops.CategoricalCrossEntropy(Zeros(3, 5), Zeros(5, 3)), "probs (3, 5)", "target (5, 3)");
        Throws(() => Ops.BinaryCrossEntropy(Zeros(3, 5), Zeros(3, 5, 1)), "probs (3, 5)", "target (3, 5, 1)");
        Throws(() => Ops.SigmoidBceWithLogits(Zeros(3, 5), Zeros(3)), "logits (3, 5)", "target (3,)");
    }

    [Fact]
    public void IntegerLabelsGivenToDenseCrossEntropyPointToSparse() =>
        Throws(() => Ops.SoftmaxCrossEntropy(Zeros(3, 5), Tensor.FromArray([1, 2, 3])), "target (3,)", "SparseSoftmaxCrossEntropy");

    [Fact]
    public void CrossEntropyNeedsAClassAxis()
    {
        Throws(() => Ops.SoftmaxCrossEntropy(Zeros(5), Zeros(5)), "logits of shape (N, C)", "received logits (5,)");
        Throws(() => Ops.SparseSoftmaxCrossEntropy(Zeros(5), Tensor.FromArray([1])), "logits of shape (N, C)");
    }

    [Fact]
    public void PredictionsMustBeFloat() =>
        Throws(() => Ops.SoftmaxCrossEntropy(Tensor.FromArray([1, 2, 3], 1, 3), Zeros(1, 3)), "float32 or float64", "int32");

    [Fact]
    public void PosWeightNeedsOneWeightPerLabel()
    {
        Throws(() => Ops.SigmoidBceWithLogits(Zeros(3, 5), Zeros(3, 5), Zeros(4)), "pos_weight must have shape (5,)", "received pos_weight (4,)");
        Throws(() => Ops.SigmoidBceWithLogitsElementwise(Zeros(3, 5), Zeros(3, 5), Zeros(1, 5)), "pos_weight must have shape (5,)", "received pos_weight (1, 5)");
    }

    [Fact]
    public void SampleWeightNeedsOneWeightPerSample()
    {
        Throws(() => Ops.WeightedMean(Zeros(3), Zeros(2)), "sample_weight must have shape (3,)", "received sample_weight (2,)");
        Throws(() => Ops.WeightedMean(Zeros(3, 5), Zeros(3, 5)), "sample_weight must have shape (3,)", "received sample_weight (3, 5)");
        Throws(() => Ops.WeightedMean(Tensor.Scalar(1)), "batch axis");
    }

    [Fact]
    public void LabelSmoothingAndEpsilonMustBeInRange()
    {
        Throws(() => Ops.SoftmaxCrossEntropy(Zeros(3, 5), Zeros(3, 5), labelSmoothing: 1.5), "label_smoothing must be in [0, 1]", "1.5");
        Throws(() => Ops.CategoricalCrossEntropy(Zeros(3, 5), Zeros(3, 5), labelSmoothing: -0.1), "label_smoothing");
        Throws(() => Ops.BinaryCrossEntropy(Zeros(3, 5), Zeros(3, 5), epsilon: 0.5), "epsilon must be in [0, 0.5)");
        Throws(() => Ops.CategoricalCrossEntropy(Zeros(3, 5), Zeros(3, 5), epsilon: double.NaN), "epsilon");
    }
}
