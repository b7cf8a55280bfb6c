using Engine.Layers;
using Engine.Models;

namespace Engine.Cli.Training;

/// <summary>The seed CNN of the user stories, for any input size and class count:
/// Rescaling(1/255) → Conv2D(32,3,relu) → MaxPool(2) → Conv2D(64,3,relu) → MaxPool(2) →
/// Conv2D(64,3,relu) → Flatten → Dense(64,relu) → Dense(classes) (logits). Inputs are pixel values
/// 0..255, so a model trained here predicts straight from image files.</summary>
internal static class SeedModel
{
    public static Sequential Build(int channels, int size, int classes, ulong seed) => new(
    [
        new Input(channels, size, size),
        new Rescaling(1.0 / 255),
        new Conv2D(32, 3, activation: "relu"),
        new MaxPooling2D(2),
        new Conv2D(64, 3, activation: "relu"),
        new MaxPooling2D(2),
        new Conv2D(64, 3, activation: "relu"),
        new Flatten(),
        new Dense(64, activation: "relu"),
        new Dense(classes),
    ], name: "seed_cnn", seed: seed);
}
