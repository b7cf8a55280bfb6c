using Engine.Autograd;
using Engine.Layers;
using Engine.Losses;
using Engine.Metrics;
using Engine.Tensors;

namespace Engine.Tests.Losses;

public class LossObjectTests
{
    private readonly Rng _rng = new(11);

    private static Tensor F64(double[] v, params int[] shape) => Tensor.FromArray(v, new Shape(shape));

    [Theory]
    [InlineData("categorical_crossentropy", typeof(CategoricalCrossentropy), TargetKind.Categorical)]
    [InlineData("sparse_categorical_crossentropy", typeof(SparseCategoricalCrossentropy), TargetKind.SparseCategorical)]
    [InlineData("binary_crossentropy", typeof(BinaryCrossentropy), TargetKind.Binary)]
    [InlineData("binary_focal_crossentropy", typeof(BinaryFocalCrossentropy), TargetKind.Binary)]
    [InlineData("categorical_focal_crossentropy", typeof(CategoricalFocalCrossentropy), TargetKind.Categorical)]
    [InlineData("Binary_CrossEntropy", typeof(BinaryCrossentropy), TargetKind.Binary)]
    public void NamesMapToLossObjects(string name, Type type, TargetKind kind)
    {
        Loss loss = name;
        Assert.IsType(type, loss);
        Assert.Equal(kind, loss.TargetKind);
        Assert.False(loss.FromLogits);
        Assert.IsType<MeanSquaredError>(Loss.FromName("mse"));
    }

    [Fact]
    public void SoftmaxOutputsUseTheFusedLogitsForm()
    {
        // Keras (TF) also recovers the logits of a softmax output; here it is exact and stable even
        // when the softmax saturates in float32.
        var logits = Tensor.FromArray(new float[] { 40, -40, 0, 1, 2, 3 }, new Shape(2, 3));
        var target = Tensor.FromArray(new float[] { 0, 1, 0, 0, 0, 1 }, new Shape(2, 3));
        var viaActivation = new CategoricalCrossentropy().PerSample(target, Activations.Apply("softmax", logits)).ToDoubleArray();
        var fromLogits = new CategoricalCrossentropy(fromLogits: true).PerSample(target, logits).ToDoubleArray();
        var bareProbs = new CategoricalCrossentropy().PerSample(target, Ops.Softmax(logits)).ToDoubleArray();
        TestData.AssertClose(fromLogits, viaActivation, 1e-6, 1e-6, "softmax output vs logits");
        Assert.Equal(80, viaActivation[0], 3);                       // exact -log_softmax
        Assert.Equal(-Math.Log(1e-7), bareProbs[0], 3);              // bare probabilities are clipped at 1e-7, as in Keras
        Assert.Equal(fromLogits[1], bareProbs[1], 5);
    }

    [Fact]
    public void SparseLossOnProbabilitiesMatchesLogits()
    {
        var logits = TestData.Param(_rng, 4, 5);
        var labels = Tensor.FromArray(new[] { 0, 4, 2, 2 });
        var a = new SparseCategoricalCrossentropy(fromLogits: true).PerSample(labels, logits).ToDoubleArray();
        var b = new SparseCategoricalCrossentropy().PerSample(labels, Ops.Softmax(logits)).ToDoubleArray();
        var floatLabels = new SparseCategoricalCrossentropy().PerSample(F64([0, 4, 2, 2], 4, 1), Ops.Softmax(logits)).ToDoubleArray();
        TestData.AssertClose(a, b, 1e-9, 1e-9);
        TestData.AssertClose(a, floatLabels, 1e-9, 1e-9);
    }

    [Fact]
    public void BinaryPosWeightOnProbabilitiesMatchesTheLogitsForm()
    {
        var logits = TestData.Param(_rng, 3, 4);
        var target = F64([1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0], 3, 4);
        double[] pw = [10, 2, 1, 0.5];
        var a = new BinaryCrossentropy(fromLogits: true, posWeight: pw).PerSample(target, logits).ToDoubleArray();
        var b = new BinaryCrossentropy(posWeight: pw).PerSample(target, Ops.Sigmoid(logits)).ToDoubleArray();
        var c = new BinaryCrossentropy(posWeight: pw).PerSample(target, Activations.Apply("sigmoid", logits)).ToDoubleArray();
        TestData.AssertClose(a, b, 1e-9, 1e-6, "probabilities");
        TestData.AssertClose(a, c, 1e-12, 1e-12, "sigmoid output");
        // A single value applies to every label; weight 1 is plain BCE.
        var one = new BinaryCrossentropy(fromLogits: true, posWeight: [1]).PerSample(target, logits).ToDoubleArray();
        var plain = new BinaryCrossentropy(fromLogits: true).PerSample(target, logits).ToDoubleArray();
        TestData.AssertClose(plain, one, 1e-12, 1e-12);
    }

    [Fact]
    public void BinaryFocalMatchesKerasDocumentation()
    {
        // keras.losses.BinaryFocalCrossentropy docs: 0.691 (gamma 2), 0.51 (with class balancing),
        // 0.647 (gamma 3 on a 2x2 batch).
        var yTrue = F64([0, 1, 0, 0], 4);
        var yPred = F64([-18.6, 0.51, 2.94, -12.8], 4);
        Assert.Equal(0.6912120758320666, new BinaryFocalCrossentropy(gamma: 2, fromLogits: true).Call(yTrue, yPred).Item(), 9);
        Assert.Equal(0.5101332954752429, new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 2, fromLogits: true).Call(yTrue, yPred).Item(), 9);
        var y2 = F64([0, 1, 0, 0], 2, 2);
        var p2 = F64([-18.6, 0.51, 2.94, -12.8], 2, 2);
        Assert.Equal(0.6469950118866963, new BinaryFocalCrossentropy(gamma: 3, fromLogits: true).Call(y2, p2).Item(), 9);
    }

    [Fact]
    public void FocalWithGammaZeroIsCrossEntropy()
    {
        var logits = TestData.Param(_rng, 3, 5);
        var target = F64([1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1], 3, 5);
        TestData.AssertClose(new BinaryCrossentropy(fromLogits: true).PerSample(target, logits).ToDoubleArray(),
            new BinaryFocalCrossentropy(gamma: 0, fromLogits: true).PerSample(target, logits).ToDoubleArray(), 1e-12, 1e-12);
        var oneHot = F64([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1], 3, 5);
        TestData.AssertClose(new CategoricalCrossentropy(fromLogits: true).PerSample(oneHot, logits).ToDoubleArray(),
            new CategoricalFocalCrossentropy(alpha: 1, gamma: 0, fromLogits: true).PerSample(oneHot, logits).ToDoubleArray(), 1e-12, 1e-12);
    }

    [Fact]
    public void CategoricalFocalMatchesKerasDocumentation()
    {
        // keras.losses.CategoricalFocalCrossentropy docs: 0.23315276.
        var yTrue = F64([0, 1, 0, 0, 0, 1], 2, 3);
        var yPred = F64([0.05, 0.95, 0, 0.1, 0.8, 0.1], 2, 3);
        Assert.Equal(0.23315276, new CategoricalFocalCrossentropy().Call(yTrue, yPred).Item(), 6);
    }

    [Fact]
    public void GradCheckBinaryFocal()
    {
        var target = F64([1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0], 3, 7);
        GradCheck.Assert("binary focal, from logits, gamma 2", x => new BinaryFocalCrossentropy(fromLogits: true).PerSample(target, x[0]), TestData.Param(_rng, 3, 7));
        GradCheck.Assert("binary focal, balanced, gamma 1.5, smoothing", x => new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.3, gamma: 1.5, fromLogits: true, labelSmoothing: 0.1).PerSample(target, x[0]), TestData.Param(_rng, 3, 7));
        GradCheck.Assert("binary focal, probabilities", x => new BinaryFocalCrossentropy(gamma: 2).PerSample(target, Ops.Sigmoid(x[0])), TestData.Param(_rng, 3, 7));
        GradCheck.Assert("binary focal, sigmoid output", x => new BinaryFocalCrossentropy(gamma: 3).PerSample(target, Activations.Apply("sigmoid", x[0])), TestData.Param(_rng, 3, 7));
    }

    [Fact]
    public void GradCheckCategoricalFocal()
    {
        var target = F64([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 3, 5);
        GradCheck.Assert("categorical focal, from logits", x => new CategoricalFocalCrossentropy(fromLogits: true).PerSample(target, x[0]), TestData.Param(_rng, 3, 5));
        GradCheck.Assert("categorical focal, gamma 2.5, smoothing", x => new CategoricalFocalCrossentropy(alpha: 0.5, gamma: 2.5, fromLogits: true, labelSmoothing: 0.2).PerSample(target, x[0]), TestData.Param(_rng, 3, 5));
        GradCheck.Assert("categorical focal, probabilities", x => new CategoricalFocalCrossentropy().PerSample(target, Ops.Softmax(x[0])), TestData.Param(_rng, 3, 5));
        GradCheck.Assert("categorical focal, softmax output", x => new CategoricalFocalCrossentropy().PerSample(target, Activations.Apply("softmax", x[0])), TestData.Param(_rng, 3, 5));
    }

    [Fact]
    public void GradCheckCrossEntropyObjects()
    {
        var oneHot = F64([0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0], 3, 5);
        var labels = Tensor.FromArray(new[] { 1, 3, 0 });
        var multiHot = F64([1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0], 3, 5);
        GradCheck.Assert("cce on softmax output", x => new CategoricalCrossentropy(labelSmoothing: 0.1).PerSample(oneHot, Activations.Apply("softmax", x[0])), TestData.Param(_rng, 3, 5));
        GradCheck.Assert("sparse cce on probabilities", x => new SparseCategoricalCrossentropy().PerSample(labels, Ops.Softmax(x[0])), TestData.Param(_rng, 3, 5));
        GradCheck.Assert("bce with pos_weight on probabilities", x => new BinaryCrossentropy(posWeight: [3, 1, 0.5, 2, 7]).PerSample(multiHot, Ops.Sigmoid(x[0])), TestData.Param(_rng, 3, 5));
        GradCheck.Assert("mse", x => new MeanSquaredError().PerSample(multiHot, x[0]), TestData.Param(_rng, 3, 5));
    }

    [Fact]
    public void CallReducesLikeKeras()
    {
        var logits = TestData.Param(_rng, 4, 3);
        var labels = Tensor.FromArray(new[] { 0, 1, 2, 1 });
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        var per = loss.PerSample(labels, logits).ToDoubleArray();
        Assert.Equal(per.Average(), loss.Call(labels, logits).Item(), 12);
        var w = F64([1, 0, 2, 0.5], 4);
        Assert.Equal((per[0] + 2 * per[2] + 0.5 * per[3]) / 4, loss.Call(labels, logits, w).Item(), 12);
    }

    [Fact]
    public void ConfigRoundTrip()
    {
        Loss[] losses =
        [
            new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), new SparseCategoricalCrossentropy(fromLogits: true),
            new BinaryCrossentropy(true, 0.05, [2, 3]), new BinaryFocalCrossentropy(true, 0.4, 1.5, true, 0.1),
            new CategoricalFocalCrossentropy(0.3, 2.5, true, 0.2), new MeanSquaredError(),
        ];
        foreach (var l in losses)
        {
            var again = Loss.FromConfig(l.Name, l.GetConfig());
            Assert.Equal(l.GetType(), again.GetType());
            Assert.Equal(l.GetConfig().ToJsonString(), again.GetConfig().ToJsonString());
        }
    }
}
