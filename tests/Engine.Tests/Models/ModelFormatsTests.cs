using Engine.Autograd;
using Engine.Layers;
using Engine.Models;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>Channels-last inputs as Keras writes them, float64 models, Dense on any rank, and
/// weight access by name.</summary>
public class ModelFormatsTests
{
    [Fact]
    public void AChannelsLastModelTakesNhwcBatchesAndPrintsKerasShapes()
    {
        var input = new Input([28, 28, 1], dataFormat: "channels_last");
        var h = new MaxPooling2D(2).Apply(new Conv2D(32, 3, activation: "relu").Apply(input));
        using var model = new Model(input, new Dense(10, activation: "softmax").Apply(new Flatten().Apply(h)), seed: 5);
        var text = model.GetSummary();
        Assert.Contains("(None, 28, 28, 1)", text);
        Assert.Contains("(None, 26, 26, 32)", text);
        Assert.Contains("(None, 13, 13, 32)", text);
        Assert.Contains("(None, 5408)", text);

        // The same network fed channels-first gives the same outputs on the transposed batch.
        var first = new Input(1, 28, 28);
        var h2 = new MaxPooling2D(2).Apply(new Conv2D(32, 3, activation: "relu").Apply(first));
        using var reference = new Model(first, new Dense(10, activation: "softmax").Apply(new Flatten().Apply(h2)), seed: 5);
        var nchw = Tensor.RandomNormal(new Shape(3, 1, 28, 28), new Rng(2));
        var nhwc = Ops.Transpose(nchw, 0, 2, 3, 1);
        TestData.AssertClose(reference.Predict(nchw).ToDoubleArray(), model.Predict(nhwc).ToDoubleArray(), 1e-6, 1e-5, "channels-last vs channels-first");

        var e = Assert.Throws<ArgumentException>(() => model.Predict(nchw.Reshape(3, 1, 28, 28)));
        Assert.Contains("expected shape (None, 28, 28, 1), received (3, 1, 28, 28)", e.Message);
        Assert.Equal("channels_last", ModelConfig.ToJson(ModelConfig.FromJson(ModelConfig.ToJson(model))).ToJsonString().Contains("channels_last") ? "channels_last" : "");
    }

    [Fact]
    public void Float64ModelsComputeInFloat64AndMixedDtypesAreAClearError()
    {
        using var model = new Sequential([new Input(4), new Dense(3, activation: "tanh"), new Dense(2)], dtype: DType.Float64);
        Assert.All(model.Weights, v => Assert.Equal(DType.Float64, v.Value.DType));
        var x = Tensor.RandomNormal(new Shape(5, 4), new Rng(1), dtype: DType.Float64);
        Assert.Equal(DType.Float64, model.Forward(x).DType);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x.To(DType.Float32)));
        Assert.Contains("the model computes in float64 but the input is float32", e.Message);
        // Fit casts for the user.
        model.Compile(optimizer: "sgd", loss: "mse");
        model.Fit(x.To(DType.Float32), Tensor.Zeros(new Shape(5, 2)), epochs: 1, verbose: 0);

        var a = new Input([4], dtype: DType.Float64);
        var b = new Input([4]);
        var mixed = Assert.Throws<ArgumentException>(() => new Add().Apply(a, b));
        Assert.Contains("received inputs of different dtypes (float64, float32)", mixed.Message);
        var dense = new Dense(2, name: "d32");
        dense.Forward(Tensor.Zeros(new Shape(1, 4)));
        var layer = Assert.Throws<ArgumentException>(() => dense.Forward(x));
        Assert.Contains("Input 0 of layer \"d32\" is incompatible with the layer: its weights are float32 but the input is float64", layer.Message);
    }

    [Fact]
    public void DenseAppliesToTheLastAxisOfAnyRank()
    {
        var dense = new Dense(2);
        var x = Tensor.RandomNormal(new Shape(3, 4, 5), new Rng(4), dtype: DType.Float64);
        var y = dense.Forward(x);
        Assert.Equal(new Shape(3, 4, 2), y.Shape);
        var rows = Ops.Linear(Ops.Reshape(x, 12, 5), dense.Kernel!.Value, dense.Bias!.Value).ToDoubleArray();
        Assert.Equal(rows, y.ToDoubleArray());
        x.RequiresGrad = true;
        GradCheck.Assert("dense rank 3", t => new Dense(2, name: "g").Forward(t[0]), x);
    }

    [Fact]
    public void WeightsCanBeSetInPartAndGradientsReadByName()
    {
        using var model = new Sequential([new Input(3), new Dense(2, name: "a"), new Dense(1, name: "b")], dtype: DType.Float64);
        var before = model.GetWeights();
        model.SetWeights(new Dictionary<string, Tensor> { ["b/bias"] = Tensor.FromArray(new[] { 7.0 }, new Shape(1)) }, partial: true);
        Assert.Equal([7.0], model.GetWeight("b/bias").Value.ToDoubleArray());
        Assert.Equal(before["a/kernel"].ToDoubleArray(), model.GetWeight("a/kernel").Value.ToDoubleArray());
        var whole = Assert.Throws<ArgumentException>(() => model.SetWeights(new Dictionary<string, Tensor> { ["b/bias"] = Tensor.Zeros(new Shape(1)) }));
        Assert.Contains("No value was given for weight 'a/kernel'", whole.Message);
        var shape = Assert.Throws<ArgumentException>(() => model.SetWeights(new Dictionary<string, Tensor> { ["b/bias"] = Tensor.Zeros(new Shape(2)) }, partial: true));
        Assert.Contains("'b/bias' has shape (1,); the value given has shape (2,)", shape.Message);

        Ops.Sum(model.Forward(Tensor.Full(new Shape(4, 3), 1, DType.Float64))).Backward();
        Assert.Equal([4.0], model.Gradients["b/bias"]!.ToDoubleArray());
        Assert.Equal(new Shape(3, 2), model.Gradients["a/kernel"]!.Shape);
    }
}
