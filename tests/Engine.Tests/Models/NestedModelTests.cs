using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Models;

/// <summary>A model used as a layer of another: frozen or trainable, summarised as one row,
/// saved and loaded with its weights named under the inner model.</summary>
public class NestedModelTests
{
    private static Model Backbone()
    {
        var input = new Input(1, 10, 10);
        var h = new Conv2D(4, 3, activation: "relu", name: "conv").Apply(input);
        h = new BatchNormalization(name: "bn").Apply(h);
        return new Model(input, new GlobalAveragePooling2D(name: "gap").Apply(h), name: "backbone", seed: 3);
    }

    private static Model Classifier(Model backbone)
    {
        var input = new Input([1, 10, 10], name: "image");
        return new Model(input, new Dense(4, activation: "softmax", name: "head").Apply(backbone.Apply(input)), name: "classifier");
    }

    private static readonly (Tensor X, Tensor Y) Data = SyntheticImages.Make(64, classes: 4, seed: 8, size: 10);

    [Fact]
    public void AFrozenInnerModelKeepsItsWeightsThroughFit()
    {
        using var backbone = Backbone();
        using var model = Classifier(backbone);
        backbone.AsLayer().Trainable = false;
        Assert.Equal(["head/kernel", "head/bias"], model.Layers.SelectMany(l => l.TrainableWeights).Select(v => v.Path).Except(["backbone/conv/kernel"]).ToList());
        var before = model.GetWeights();
        model.Compile(optimizer: new Adam(0.05), loss: "sparse_categorical_crossentropy");
        model.Fit(Data.X, Data.Y, epochs: 2, batchSize: 16, verbose: 0);
        var after = model.GetWeights();
        foreach (var path in before.Keys.Where(k => k.StartsWith("backbone/")))
            Assert.Equal(before[path].ToDoubleArray(), after[path].ToDoubleArray());   // BN statistics too: frozen BN runs in inference mode
        Assert.NotEqual(before["head/kernel"].ToDoubleArray(), after["head/kernel"].ToDoubleArray());
        Assert.Contains("Trainable params: 20", model.GetSummary());
    }

    [Fact]
    public void ATrainableInnerModelLearnsWithTheOuterOne()
    {
        using var backbone = Backbone();
        using var model = Classifier(backbone);
        var before = model.GetWeights();
        model.Compile(optimizer: new Adam(0.05), loss: "sparse_categorical_crossentropy");
        model.Fit(Data.X, Data.Y, epochs: 1, batchSize: 16, verbose: 0);
        Assert.NotEqual(before["backbone/conv/kernel"].ToDoubleArray(), model.GetWeights()["backbone/conv/kernel"].ToDoubleArray());
    }

    [Fact]
    public void SummaryShowsTheInnerModelAsOneRowOrExpanded()
    {
        using var backbone = Backbone();
        using var model = Classifier(backbone);
        var lines = model.GetSummary().Split('\n');
        Assert.Contains(lines, l => l.StartsWith(" backbone (Functional)") && l.Contains("(None, 4)") && l.Contains("56") && l.Contains("image[0][0]"));
        Assert.DoesNotContain(lines, l => l.Contains("conv (Conv2D)"));
        var expanded = model.GetSummary(expandNested: true).Split('\n');
        Assert.Contains(expanded, l => l.StartsWith("   conv (Conv2D)") && l.Contains("(None, 4, 8, 8)") && l.Contains("40"));
        Assert.Contains("Total params: 76", model.GetSummary());
    }

    [Fact]
    public void ANestedModelSurvivesSaveAndLoad()
    {
        using var backbone = Backbone();
        using var model = Classifier(backbone);
        backbone.AsLayer().Trainable = false;
        model.Compile(optimizer: new Adam(0.05), loss: "sparse_categorical_crossentropy");
        model.Fit(Data.X, Data.Y, epochs: 1, batchSize: 16, verbose: 0);
        var dir = Directory.CreateTempSubdirectory("engine-nested-").FullName;
        try
        {
            var path = Path.Combine(dir, "nested.safetensors");
            model.Save(path);
            using var loaded = Model.Load(path);
            Assert.Equal(ModelConfig.ToJson(model).ToJsonString(), ModelConfig.ToJson(loaded).ToJsonString());
            var inner = Assert.IsType<NestedModel>(loaded.GetLayer("backbone"));
            Assert.False(inner.Trainable);
            Assert.Equal("Functional", inner.ClassName);
            Assert.Equal(model.Predict(Data.X).ToDoubleArray(), loaded.Predict(Data.X).ToDoubleArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ASequentialCanStandWhereALayerIsExpected()
    {
        using var block = new Sequential([new Dense(3, activation: "relu"), new Dense(3)], name: "block");
        using var model = new Sequential([new Input(5), block, new Dense(2, name: "out")]);
        Assert.Equal([2], model.OutputShapes.Values.Single());
        Assert.Contains("block/dense/kernel", model.GetWeights().Keys);
        Assert.Equal(18 + 12 + 8, model.CountParams());
    }
}
