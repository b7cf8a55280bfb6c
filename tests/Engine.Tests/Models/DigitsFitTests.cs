using Engine.Data;
using Engine.Layers;
using Engine.Models;

namespace Engine.Tests.Models;

/// <summary>seeds/001 on the embedded digits (real MNIST images), on the CPU.</summary>
public class DigitsFitTests
{
    [Fact]
    public void SeedCnnReaches88PercentOnDigitsAfterTwoEpochsOf2000Images()
    {
        // Measured: 0.903 test accuracy on 1,000 held-out digits (2 epochs, 2,000 training images, ~6 s on 2 cores).
        var (train, test) = Digits.Load();
        var sub = train.Slice(0, 2000);
        using var model = SeedModels.BasicCnn([1, 28, 28], 10);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit(sub.ImagesTensor(), sub.LabelsTensor(), epochs: 2, batchSize: 32, verbose: 0);
        Assert.True(history["accuracy"][1] > history["accuracy"][0]);

        var held = test.Slice(0, 1000);
        var result = model.Evaluate(held.ImagesTensor(), held.LabelsTensor());
        Assert.True(result["accuracy"] >= 0.88, $"test accuracy {result["accuracy"]:F3}; expected >= 0.88");
    }

    [Fact]
    public void FitAcceptsTheDataLibrarysDatasets()
    {
        var (train, test) = Digits.Load();
        var data = train.Slice(0, 256).ToDataset(batchSize: 32, shuffle: true, seed: 1);
        var validation = test.Slice(0, 64).ToDataset(batchSize: 32, shuffle: false);
        using var model = new Sequential([
            new Input(1, 28, 28), new Conv2D(4, 3, strides: 2, activation: "relu"), new Flatten(), new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit(data, epochs: 2, validationData: validation, verbose: 0);
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy"], history.Keys);
        Assert.True(history["loss"][1] < history["loss"][0]);
    }
}
