using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>classWeight semantics: multi-class weights a sample by its true class (one-hot rows are
/// argmaxed, as in Keras); multi-label targets are weighted per label (positives of label j count w_j
/// times), where Keras would silently argmax the multi-hot vector.</summary>
public class ClassWeightTests
{
    private static (Tensor X, Tensor Y) MultiLabel(int n, int labels, ulong seed)
    {
        var rng = new Rng(seed);
        var x = Tensor.RandomNormal(new Shape(n, 5), rng);
        var y = Tensor.FromHost(new Shape(n, labels), DType.Float32, null, _ => rng.NextDouble() < 0.3 ? 1 : 0);
        return (x, y);
    }

    private static Sequential Tagger(int labels) => new([new Input(5), new Dense(8, activation: "relu"), new Dense(labels, activation: "sigmoid")], seed: 9);

    [Fact]
    public void MultiLabelClassWeightsActPerLabelLikePosWeight()
    {
        var (x, y) = MultiLabel(12, 4, 1);
        using var weighted = Tagger(4);
        using var posWeighted = Tagger(4);
        weighted.Compile(optimizer: new Sgd(0.1), loss: "binary_crossentropy");
        posWeighted.Compile(optimizer: new Sgd(0.1), loss: new BinaryCrossentropy(posWeight: [5, 1, 2, 0.5]));
        var a = weighted.TrainOnBatch(x, y, classWeight: new Dictionary<int, double> { [0] = 5, [2] = 2, [3] = 0.5 });
        var b = posWeighted.TrainOnBatch(x, y);
        Assert.Equal(b["loss"], a["loss"], 5);
        var wa = weighted.GetWeights()["dense_1/kernel"].ToDoubleArray();
        var wb = posWeighted.GetWeights()["dense_1/kernel"].ToDoubleArray();
        TestData.AssertClose(wb, wa, 1e-6, 1e-5, "weights after one step");
    }

    [Fact]
    public void OneHotTargetsAreWeightedByTheirArgmaxClass()
    {
        var (x, labels) = SyntheticImages.Blobs(20);
        var oneHot = SyntheticImages.OneHot(labels, 3);
        using var model = new Sequential([new Input(6), new Dense(3, activation: "softmax")], seed: 4);
        model.Compile(optimizer: new Sgd(0.1), loss: "categorical_crossentropy");
        var cw = new Dictionary<int, double> { [0] = 0.5, [1] = 2, [2] = 4 };
        var asSampleWeights = Tensor.FromArray(labels.ToArray<int>().Select(l => (float)cw[l]).ToArray());
        var expected = model.TestOnBatch(x, oneHot, asSampleWeights)["loss"];
        Assert.Equal(expected, model.TrainOnBatch(x, oneHot, classWeight: cw)["loss"], 5);
    }

    [Fact]
    public void SingleColumnBinaryTargetsAreWeightedByTheirClassValue()
    {
        var rng = new Rng(3);
        var x = Tensor.RandomNormal(new Shape(10, 5), rng);
        var y = Tensor.FromArray(new float[] { 1, 0, 0, 1, 0, 0, 0, 1, 0, 0 }, new Shape(10, 1));
        using var model = Tagger(1);
        model.Compile(optimizer: new Sgd(0.1), loss: "binary_crossentropy");
        var sw = Tensor.FromArray(y.ToFloatArray().Select(t => t == 1 ? 3f : 1f).ToArray());
        var expected = model.TestOnBatch(x, y, sw)["loss"];
        Assert.Equal(expected, model.TrainOnBatch(x, y, classWeight: new Dictionary<int, double> { [1] = 3 })["loss"], 5);
    }
}
