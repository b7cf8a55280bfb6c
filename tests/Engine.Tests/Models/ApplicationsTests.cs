using Engine.Layers;
using Engine.Models;

namespace Engine.Tests.Models;

/// <summary>The model zoo's parameter counts, pinned to the reference implementations': torchvision
/// counts parameters only (its batch-norm statistics are buffers), Keras counts every weight
/// (batch-norm moving mean and variance included, as non-trainable).</summary>
public class ApplicationsTests
{
    private static long Trainable(Model m) => m.Layers.SelectMany(l => l.TrainableWeights).Sum(v => (long)v.Value.Size);

    [Fact]
    public void ResNet18And34MatchTorchvision()
    {
        using var r18 = Applications.ResNet18();
        Assert.Equal(11_689_512, Trainable(r18));
        Assert.Equal([1000], r18.OutputShapes.Values.Single());
        using var r34 = Applications.ResNet34();
        Assert.Equal(21_797_672, Trainable(r34));
    }

    [Fact]
    public void ResNet50MatchesKeras()
    {
        using var model = Applications.ResNet50();
        Assert.Equal(25_636_712, model.CountParams());
        Assert.Equal(25_583_592, Trainable(model));   // Keras: 53,120 non-trainable (batch-norm statistics)
    }

    [Fact]
    public void MobileNetV2MatchesKeras()
    {
        using var model = Applications.MobileNetV2(alpha: 1.0);
        Assert.Equal(3_538_984, model.CountParams());
        Assert.Equal(3_504_872, Trainable(model));   // Keras: 34,112 non-trainable
        Assert.Contains("block_16_project", model.Layers.Select(l => l.Name));
        using var half = Applications.MobileNetV2(inputShape: [3, 96, 96], alpha: 0.5, includeTop: false, pooling: "avg");
        Assert.Equal([1280], half.OutputShapes.Values.Single());
    }

    [Fact]
    public void ResNet20IsAbout027MParametersAndKerasArgumentsWork()
    {
        using var model = Applications.ResNet20();
        Assert.InRange(model.CountParams(), 265_000, 280_000);
        using var features = Applications.ResNet20(includeTop: false, inputShape: [3, 32, 32]);
        Assert.Equal([64, 8, 8], features.OutputShapes.Values.Single());
        using var pooled = Applications.ResNet18(includeTop: false, pooling: "max", inputShape: [3, 64, 64]);
        Assert.Equal([512], pooled.OutputShapes.Values.Single());
        var e = Assert.Throws<ArgumentException>(() => Applications.Create("vgg16", 32, 3, 10));
        Assert.Contains("resnet18, resnet34, resnet50, mobilenetv2, resnet20", e.Message);
    }
}
