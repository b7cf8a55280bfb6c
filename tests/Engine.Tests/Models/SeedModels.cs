using Engine.Layers;
using Engine.Models;

namespace Engine.Tests.Models;

/// <summary>The models of the user stories in shared/seeds, ported line by line (channels-first).</summary>
internal static class SeedModels
{
    /// <summary>seeds/001 build_basic_cnn: Conv32-Pool-Conv64-Pool-Conv64-Flatten-Dense64-Dense(classes).</summary>
    public static Sequential BasicCnn(int[] inputShape, int numClasses, string? lastActivation = "softmax", ulong seed = Model.DefaultSeed) => new([
        new Conv2D(32, (3, 3), activation: "relu", inputShape: inputShape),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (3, 3), activation: "relu"),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (3, 3), activation: "relu"),
        new Flatten(),
        new Dense(64, activation: "relu"),
        new Dense(numClasses, activation: lastActivation),
    ], seed: seed);

    /// <summary>A hierarchical-label model: shared trunk, a coarse and a fine softmax head.</summary>
    public static Model TwoHead(int[] inputShape, int coarse, int fine, ulong seed = Model.DefaultSeed)
    {
        var input = new Input(inputShape);
        var h = new Conv2D(8, 3, activation: "relu").Apply(input);
        h = new MaxPooling2D(2).Apply(h);
        h = new Flatten().Apply(h);
        h = new Dense(32, activation: "relu").Apply(h);
        return new Model(input, new Dictionary<string, SymbolicTensor>
        {
            ["coarse"] = new Dense(coarse, activation: "softmax", name: "coarse").Apply(h),
            ["fine"] = new Dense(fine, activation: "softmax", name: "fine").Apply(h),
        }, seed: seed);
    }
}
