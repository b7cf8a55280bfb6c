using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>Bad input gets Keras's messages: they name the layer or argument and what was expected.</summary>
public class KerasErrorTests
{
    [Fact]
    public void WrongInputShapeNamesTheLayerAndBothShapes()
    {
        using var model = SeedModels.BasicCnn([1, 28, 28], 10);
        var e = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(new Shape(32, 3, 28, 28))));
        Assert.Equal("Input 0 of layer \"conv2d\" is incompatible with the layer: expected shape (None, 1, 28, 28), received (32, 3, 28, 28).", e.Message);
    }

    [Fact]
    public void ChannelsLastInputGetsAHint()
    {
        using var model = SeedModels.BasicCnn([1, 28, 28], 10);
        var e = Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(new Shape(4, 28, 28, 1))));
        Assert.Contains("expected shape (None, 1, 28, 28), received (4, 28, 28, 1)", e.Message);
        Assert.Contains("looks channels-last", e.Message);
    }

    [Fact]
    public void WrongRankForALayer()
    {
        var conv = new Conv2D(8, 3);
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros(new Shape(3, 5))));
        Assert.Equal("Input 0 of layer \"conv2d\" is incompatible with the layer: expected ndim=4 (batch, channels, height, width), found ndim=2. Full shape received: (None, 5).", e.Message);

        // Dense takes any rank from 2 up (the last axis, as Keras); a batch of scalars is refused.
        var dense = new Dense(4);
        var e2 = Assert.Throws<ArgumentException>(() => dense.Forward(Tensor.Zeros(new Shape(2))));
        Assert.Contains("expected min_ndim=2, found ndim=1", e2.Message);
    }

    [Fact]
    public void KernelLargerThanImage()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential([new Input(1, 2, 2), new Conv2D(4, 3)]));
        Assert.Contains("the kernel (3, 3) is larger than the input's spatial size (2, 2) with padding 'valid'", e.Message);
    }

    [Fact]
    public void BuiltLayerRejectsAnotherShape()
    {
        var dense = new Dense(2);
        dense.Forward(Tensor.Zeros(new Shape(3, 5)));
        var e = Assert.Throws<ArgumentException>(() => dense.Forward(Tensor.Zeros(new Shape(3, 6))));
        Assert.Equal("Input 0 of layer \"dense\" is incompatible with the layer: expected shape (None, 5), received (3, 6).", e.Message);
    }

    [Fact]
    public void UnknownLossName()
    {
        using var model = new Sequential([new Input(4), new Dense(2)]);
        var e = Assert.Throws<ArgumentException>(() => model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropyy"));
        Assert.StartsWith("Could not interpret loss identifier: 'sparse_categorical_crossentropyy'. Known losses: ", e.Message);
        Assert.Contains("sparse_categorical_crossentropy", e.Message);
    }

    [Fact]
    public void UnknownOptimizerMetricActivationInitializer()
    {
        using var model = new Sequential([new Input(4), new Dense(2, activation: "softmax")]);
        Assert.Contains("Unknown optimizer 'adamm'", Assert.Throws<ArgumentException>(() => model.Compile(optimizer: "adamm", loss: "categorical_crossentropy")).Message);
        model.Compile(optimizer: "adam", loss: "categorical_crossentropy", metrics: ["acuracy"]);
        var e = Assert.Throws<ArgumentException>(() => model.TrainOnBatch(Tensor.Zeros(new Shape(2, 4)), Tensor.Ones(new Shape(2, 2))));
        Assert.Contains("Unknown metric 'acuracy'", e.Message);
        Assert.Contains("Could not interpret activation function identifier: 'rellu'", Assert.Throws<ArgumentException>(() => new Dense(3, activation: "rellu")).Message);
        Assert.Contains("Could not interpret initializer identifier: 'glorot'", Assert.Throws<ArgumentException>(() => new Dense(3, kernelInitializer: "glorot")).Message);
        Assert.Contains("invalid padding 'full'", Assert.Throws<ArgumentException>(() => new Conv2D(3, 3, padding: "full")).Message);
    }

    [Fact]
    public void LabelsOutOfRange()
    {
        using var model = new Sequential([new Input(4), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var x = Tensor.Zeros(new Shape(4, 4));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, Tensor.FromArray(new[] { 0, 1, 3, 2 }), verbose: 0));
        Assert.Equal("Received a label value of 3 which is outside the valid range of [0, 3). Label values: 0 1 3 2", e.Message);
        var neg = Assert.Throws<ArgumentException>(() => model.Evaluate(x, Tensor.FromArray(new[] { 0, -1, 1, 2 })));
        Assert.Contains("label value of -1", neg.Message);
        // The loss object on its own checks too.
        var loss = new SparseCategoricalCrossentropy();
        Assert.Contains("label value of 5", Assert.Throws<ArgumentException>(() => loss.Call(Tensor.FromArray(new[] { 5 }), Tensor.Full(new Shape(1, 3), 1.0 / 3))).Message);
    }

    [Fact]
    public void MismatchedXAndYLengths()
    {
        using var model = new Sequential([new Input(4), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(new Shape(100, 4)), Tensor.Zeros(new Shape(90), DType.Int32), verbose: 0));
        Assert.Equal("Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. 'x' sizes: 100, 'y' sizes: 90.", e.Message);
        var sw = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros(new Shape(10, 4)), Tensor.Zeros(new Shape(10), DType.Int32), sampleWeight: Tensor.Ones(new Shape(9)), verbose: 0));
        Assert.Contains("'sample_weight' sizes: 9", sw.Message);
    }

    [Fact]
    public void TargetsOfTheWrongShape()
    {
        using var model = new Sequential([new Input(4), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "categorical_crossentropy");
        var x = Tensor.Zeros(new Shape(2, 4));
        var e = Assert.Throws<ArgumentException>(() => model.TrainOnBatch(x, Tensor.Zeros(new Shape(2, 5))));
        Assert.Contains("target.shape=(2, 5), output.shape=(2, 3)", e.Message);
        var sparse = Assert.Throws<ArgumentException>(() => model.TrainOnBatch(x, Tensor.FromArray(new[] { 0, 1 })));
        Assert.Contains("Use sparse_categorical_crossentropy for integer labels", sparse.Message);
    }

    [Fact]
    public void UsingTheModelBeforeCompileOrBuild()
    {
        using var model = new Sequential([new Dense(3)]);
        Assert.Contains("You must call Compile()", Assert.Throws<InvalidOperationException>(() => model.Fit(Tensor.Zeros(new Shape(2, 4)), Tensor.Zeros(new Shape(2, 3)), verbose: 0)).Message);
        Assert.Contains("has not yet been built", Assert.Throws<InvalidOperationException>(() => model.Save(Path.GetTempFileName())).Message);
    }

    [Fact]
    public void MultiOutputArgumentsAreChecked()
    {
        using var model = SeedModels.TwoHead([1, 8, 8], 2, 4);
        Assert.Contains("No loss for output 'fine'", Assert.Throws<ArgumentException>(() =>
            model.Compile(optimizer: "adam", losses: new() { ["coarse"] = "sparse_categorical_crossentropy" })).Message);
        Assert.Contains("losses has a key 'medium' that is not an output of the model; the outputs are: coarse, fine", Assert.Throws<ArgumentException>(() =>
            model.Compile(optimizer: "adam", losses: new() { ["medium"] = "sparse_categorical_crossentropy" })).Message);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var x = Tensor.Zeros(new Shape(2, 1, 8, 8));
        Assert.Contains("give targets as a dictionary by output name", Assert.Throws<ArgumentException>(() => model.Fit(x, Tensor.Zeros(new Shape(2), DType.Int32), verbose: 0)).Message);
        Assert.Contains("No target for output 'fine'", Assert.Throws<ArgumentException>(() =>
            model.Fit(x, new Dictionary<string, Tensor> { ["coarse"] = Tensor.Zeros(new Shape(2), DType.Int32) }, verbose: 0)).Message);
        Assert.Contains("classWeight is only supported for models with a single output", Assert.Throws<ArgumentException>(() =>
            model.Fit(x, new Dictionary<string, Tensor> { ["coarse"] = Tensor.Zeros(new Shape(2), DType.Int32), ["fine"] = Tensor.Zeros(new Shape(2), DType.Int32) },
                classWeight: new Dictionary<int, double> { [0] = 1 }, verbose: 0)).Message);
    }

    [Fact]
    public void DuplicateLayerNames()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential([new Input(3), new Dense(2, name: "head"), new Dense(2, name: "head")]));
        Assert.Contains("All layer names should be unique; 'head'", e.Message);
    }
}
