using Engine.Layers;

namespace Engine.Models;

/// <summary>The seed CNN of the user stories, ready-made for any input size and class count:
/// [Rescaling] → Conv2D(32,3,relu) → MaxPool(2) → Conv2D(64,3,relu) → MaxPool(2) → Conv2D(64,3,relu)
/// → Flatten → Dense(64,relu) → Dense(classes, outputActivation). 93,322 parameters on 1×28×28 with
/// 10 classes. Without an output activation it emits logits (pair it with a fromLogits loss).
/// The samples spell the same layers out, as a Keras user would write them.</summary>
public static class SeedCnn
{
    public static Sequential Build(int channels, int size, int classes, double? rescale = null, string? outputActivation = null,
        ulong seed = Model.DefaultSeed, string name = "seed_cnn")
    {
        var layers = new List<Layer> { new Input(channels, size, size) };
        if (rescale is { } scale) layers.Add(new Rescaling(scale));
        layers.AddRange(
        [
            new Conv2D(32, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Conv2D(64, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Conv2D(64, 3, activation: "relu"),
            new Flatten(),
            new Dense(64, activation: "relu"),
            new Dense(classes, activation: outputActivation),
        ]);
        return new Sequential(layers, name, seed);
    }
}
