using Engine.Layers;
using Engine.Models;

namespace Engine.Samples;

/// <summary>The CNN of seeds/001 (build_basic_cnn), channels first.</summary>
public static class SeedCnn
{
    public static Sequential Build(int[] inputShape, int numClasses, string? lastActivation = "softmax") => new([
        new Conv2D(32, (3, 3), activation: "relu", inputShape: inputShape),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (3, 3), activation: "relu"),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (3, 3), activation: "relu"),
        new Flatten(),
        new Dense(64, activation: "relu"),
        new Dense(numClasses, activation: lastActivation),
    ]);
}
