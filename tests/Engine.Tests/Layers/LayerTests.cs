using System.Text.Json.Nodes;
using Engine.Autograd;
using Engine.Layers;
using Engine.Layers.Initializers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Layers;

public class LayerTests
{
    private readonly Rng _rng = new(5);

    [Theory]
    [InlineData(3, 1, "valid", 28, 28, 26, 26)]
    [InlineData(3, 1, "same", 28, 28, 28, 28)]
    [InlineData(3, 2, "valid", 7, 5, 3, 2)]
    [InlineData(3, 2, "same", 7, 5, 4, 3)]
    [InlineData(5, 3, "same", 10, 11, 4, 4)]
    public void Conv2DOutputShapeFollowsKeras(int k, int s, string padding, int h, int w, int oh, int ow)
    {
        var conv = new Conv2D(6, k, strides: s, padding: padding);
        Assert.Equal([6, oh, ow], conv.ComputeOutputShape([3, h, w]));
        var y = conv.Forward(Tensor.Zeros(new Shape(2, 3, h, w)));
        Assert.Equal(new Shape(2, 6, oh, ow), y.Shape);
    }

    [Theory]
    [InlineData(2, null, "valid", 7, 5, 3, 2)]
    [InlineData(2, null, "same", 7, 5, 4, 3)]
    [InlineData(3, 1, "valid", 7, 5, 5, 3)]
    [InlineData(3, 2, "same", 7, 5, 4, 3)]
    public void PoolingOutputShapes(int pool, int? stride, string padding, int h, int w, int oh, int ow)
    {
        Size2? strides = stride is { } st ? st : null;
        foreach (Layer layer in new Layer[] { new MaxPooling2D(pool, strides, padding), new AveragePooling2D(pool, strides, padding) })
        {
            Assert.Equal([3, oh, ow], layer.ComputeOutputShape([3, h, w]));
            Assert.Equal(new Shape(2, 3, oh, ow), layer.Forward(Tensor.Ones(new Shape(2, 3, h, w))).Shape);
        }
    }

    [Fact]
    public void OtherLayerShapes()
    {
        Assert.Equal([5], new GlobalAveragePooling2D().ComputeOutputShape([5, 3, 4]));
        Assert.Equal([60], new Flatten().ComputeOutputShape([5, 3, 4]));
        Assert.Equal([7], new Dense(7).ComputeOutputShape([60]));
        Assert.Equal([5, 3, 4], new BatchNormalization().ComputeOutputShape([5, 3, 4]));
        Assert.Equal([5, 3, 4], new Dropout(0.3).ComputeOutputShape([5, 3, 4]));
        Assert.Equal([5, 3, 4], new Activation("relu").ComputeOutputShape([5, 3, 4]));
        Assert.Equal([5, 3, 4], new Rescaling(1.0 / 255).ComputeOutputShape([5, 3, 4]));
    }

    [Fact]
    public void LayersBuildLazilyFromTheFirstInput()
    {
        var dense = new Dense(4, activation: "relu");
        Assert.False(dense.Built);
        Assert.Equal(0, dense.CountParams());
        var y = dense.Forward(Tensor.RandomNormal(new Shape(3, 5), _rng, dtype: DType.Float64));
        Assert.True(dense.Built);
        Assert.Equal([5], dense.BuiltInputShape!);
        Assert.Equal(new Shape(5, 4), dense.Kernel!.Shape);
        Assert.Equal(DType.Float64, dense.DType);                    // built in the dtype of its input
        Assert.Equal(24, dense.CountParams());
        Assert.All(y.ToDoubleArray(), v => Assert.True(v >= 0));
        Assert.Equal(["dense/kernel", "dense/bias"], dense.Weights.Select(w => w.Path));
    }

    [Fact]
    public void ActivationsMatchTheOps()
    {
        var x = TestData.Param(_rng, 3, 4);
        using var noGrad = Tape.NoGrad();
        Assert.Equal(Ops.Relu(x).ToDoubleArray(), new Activation("relu").Forward(x).ToDoubleArray());
        Assert.Equal(Ops.Softmax(x).ToDoubleArray(), new Activation("softmax").Forward(x).ToDoubleArray());
        Assert.Equal(Ops.Sigmoid(x).ToDoubleArray(), new Activation("Sigmoid").Forward(x).ToDoubleArray());
        Assert.Equal(x.ToDoubleArray(), new Activation("linear").Forward(x).ToDoubleArray());
        Assert.Equal(Ops.Affine(x, 0.5, 1).ToDoubleArray(), new Rescaling(0.5, 1).Forward(x).ToDoubleArray());
        Activations.Register("double_it", t => Ops.MulScalar(t, 2));
        Assert.Equal(Ops.MulScalar(x, 2).ToDoubleArray(), new Activation("double_it").Forward(x).ToDoubleArray());
    }

    [Fact]
    public void GlorotUniformHasKerasLimits()
    {
        // Conv2D(32, 3) on 16 channels: fan_in = 16·9, fan_out = 32·9, limit = sqrt(6 / (fan_in + fan_out)).
        var conv = new Conv2D(32, 3);
        conv.Build([16, 8, 8]);
        var limit = Math.Sqrt(6.0 / (16 * 9 + 32 * 9));
        var w = conv.Kernel!.Value.ToDoubleArray();
        Assert.All(w, v => Assert.InRange(v, -limit, limit));
        Assert.True(w.Max() > 0.9 * limit && w.Min() < -0.9 * limit);
        Assert.All(conv.Bias!.Value.ToDoubleArray(), v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData("he_normal", 2.0, false)]
    [InlineData("he_uniform", 2.0, false)]
    [InlineData("glorot_normal", 1.0, true)]
    [InlineData("lecun_normal", 1.0, false)]
    public void VarianceScalingHasTheRightVariance(string name, double scale, bool avg)
    {
        var init = Initializer.FromName(name);
        const int fanIn = 200, fanOut = 100;
        var v = init.Create(new Shape(fanIn, fanOut), fanIn, fanOut, DType.Float64, Device.Cpu, new Rng(1)).ToDoubleArray();
        var expected = scale / (avg ? (fanIn + fanOut) / 2.0 : fanIn);
        var variance = v.Select(a => a * a).Average();
        Assert.InRange(variance, expected * 0.93, expected * 1.07);
        if (name.EndsWith("normal")) Assert.All(v, a => Assert.True(Math.Abs(a) <= 2 * Math.Sqrt(expected) / 0.87962566103423978 + 1e-12));
    }

    [Fact]
    public void InitializationIsSeeded()
    {
        static double[] Kernel(ulong seed) { using var m = new Sequential([new Input(4), new Dense(3)], seed: seed); return m.GetWeights()["dense/kernel"].ToDoubleArray(); }
        Assert.Equal(Kernel(1), Kernel(1));
        Assert.NotEqual(Kernel(1), Kernel(2));
        // Two identical layers in one model start differently.
        using var m = new Sequential([new Input(4), new Dense(4), new Dense(4)]);
        Assert.NotEqual(m.GetWeights()["dense/kernel"].ToDoubleArray(), m.GetWeights()["dense_1/kernel"].ToDoubleArray());
        // An initializer's own seed wins over the model's.
        var a = new Dense(3, kernelInitializer: new GlorotUniform { Seed = 7 });
        var b = new Dense(3, kernelInitializer: new GlorotUniform { Seed = 7 }, name: "other");
        a.Build([4]);
        b.Build([4]);
        Assert.Equal(a.Kernel!.Value.ToDoubleArray(), b.Kernel!.Value.ToDoubleArray());
    }

    public static TheoryData<string> LayerKinds => ["conv", "maxpool", "avgpool", "gap", "flatten", "dense", "dropout", "bn", "activation", "rescaling"];

    private static Layer Make(string kind) => kind switch
    {
        "conv" => new Conv2D(5, (3, 2), strides: (2, 1), padding: "same", activation: "tanh", useBias: false, kernelInitializer: "he_uniform", inputShape: [3, 7, 6], name: "c"),
        "maxpool" => new MaxPooling2D((3, 2), strides: 1, padding: "same"),
        "avgpool" => new AveragePooling2D(2),
        "gap" => new GlobalAveragePooling2D(),
        "flatten" => new Flatten(),
        "dense" => new Dense(9, activation: "sigmoid", biasInitializer: new Constant(0.5), kernelInitializer: new HeNormal { Seed = 3 }),
        "dropout" => new Dropout(0.4, seed: 12),
        "bn" => new BatchNormalization(momentum: 0.9, epsilon: 1e-5, center: false),
        "activation" => new Activation("softmax"),
        _ => new Rescaling(1.0 / 255, 0.1),
    };

    [Theory]
    [MemberData(nameof(LayerKinds))]
    public void ConfigRoundTrips(string kind)
    {
        var layer = Make(kind);
        var config = layer.GetConfig();
        var again = LayerRegistry.FromConfig(layer.ClassName, (JsonObject)JsonNode.Parse(config.ToJsonString())!);
        Assert.Equal(layer.GetType(), again.GetType());
        Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());
    }

    [Fact]
    public void GradCheckThroughLayers()
    {
        // Layers built from float64 inputs have float64 weights, so whole layers can be gradient-checked
        // (input and weights together) on odd shapes.
        var conv = new Conv2D(3, 3, strides: 2, padding: "same", activation: "tanh");
        var x = TestData.Param(_rng, 3, 5, 7, 5);
        conv.Forward(x);
        conv.Kernel!.Value.RequiresGrad = true;
        GradCheck.Assert("Conv2D layer", t => conv.Forward(t[0]), x, conv.Kernel.Value, conv.Bias!.Value);

        var bn = new BatchNormalization();
        var xb = TestData.Param(_rng, 3, 5, 4, 3);
        bn.Forward(xb);
        GradCheck.Assert("BatchNormalization layer (training)", t => bn.Forward(t[0], training: true), xb, bn.Gamma!.Value, bn.Beta!.Value);

        var dense = new Dense(4, activation: "softmax");
        var xd = TestData.Param(_rng, 3, 7);
        dense.Forward(xd);
        GradCheck.Assert("Dense layer", t => dense.Forward(t[0]), xd, dense.Kernel!.Value, dense.Bias!.Value);

        var pool = new MaxPooling2D(2, padding: "same");
        GradCheck.Assert("MaxPooling2D layer", t => pool.Forward(t[0]), TestData.AwayFromZero(_rng, 3, 2, 5, 7));
        GradCheck.Assert("GlobalAveragePooling2D layer", t => new GlobalAveragePooling2D().Forward(t[0]), TestData.Param(_rng, 3, 2, 5, 7));
    }

    [Fact]
    public void DropoutIsIdentityAtInferenceAndScalesInTraining()
    {
        var drop = new Dropout(0.5);
        var x = Tensor.Ones(new Shape(4, 100));
        Assert.Equal(x.ToDoubleArray(), drop.Forward(x).ToDoubleArray());
        var y = drop.Forward(x, training: true).ToDoubleArray();
        Assert.All(y, v => Assert.True(v == 0 || v == 2));
        Assert.InRange(y.Count(v => v == 0), 150, 250);
        Assert.Throws<ArgumentException>(() => new Dropout(1.0));
    }

    [Fact]
    public void FunctionalApplyChecksShapesWithoutComputing()
    {
        var input = new Input(3, 8, 8);
        var h = new Conv2D(4, 3).Apply(input);
        Assert.Equal([4, 6, 6], h.Shape);
        var flat = new Flatten().Apply(h);
        Assert.Equal([144], flat.Shape);
        Assert.Equal([4, 6, 2], new Dense(2).Apply(h).Shape);   // Dense applies to the last axis, as in Keras
        var other = new Input(3, 8, 8);
        var wrong = Assert.Throws<ArgumentException>(() => new Model(input, new Dense(2).Apply(new Flatten().Apply(other))));
        Assert.Contains("not among this model's inputs", wrong.Message);
    }

    [Fact]
    public void SharedLayersAreBuiltOnceAndCountedOnce()
    {
        var input = new Input(6);
        var shared = new Dense(6, activation: "relu");
        var twice = shared.Apply(shared.Apply(input));
        using var model = new Model(input, new Dense(2).Apply(twice));
        Assert.Equal(2, model.Layers.Count);
        Assert.Equal(42 + 14, model.CountParams());
        var x = Tensor.RandomNormal(new Shape(3, 6), _rng);
        using var noGrad = Tape.NoGrad();
        var manual = model.Layers[1].Forward(shared.Forward(shared.Forward(x)));
        Assert.Equal(manual.ToDoubleArray(), model.Forward(x).ToDoubleArray());
    }
}
