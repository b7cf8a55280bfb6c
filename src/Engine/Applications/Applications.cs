using Engine.Layers;
using Engine.Models;

namespace Engine;

/// <summary>The model zoo (Keras's keras.applications), built from Engine's layers with random
/// weights (no pretrained downloads): <c>Applications.ResNet50(classes: 10, inputShape: [3, 64, 64])</c>.
/// Arguments follow Keras: <c>includeTop</c> (the classifier), <c>inputShape</c> (channels-first
/// here: [3, 224, 224] is Keras's (224, 224, 3)), <c>classes</c>, <c>pooling</c> (null, "avg" or "max"
/// when there is no top) and <c>classifierActivation</c>.</summary>
public static partial class Applications
{
    /// <summary>The names the CLI and <see cref="Create"/> accept.</summary>
    public static IReadOnlyList<string> Names { get; } = ["resnet18", "resnet34", "resnet50", "mobilenetv2", "resnet20"];

    /// <summary>A zoo model by name for an image size, channel count and class count (the CLI's --model).</summary>
    public static Model Create(string name, int imageSize, int channels, int classes, ulong seed = Model.DefaultSeed)
    {
        int[] shape = [channels, imageSize, imageSize];
        return name.ToLowerInvariant() switch
        {
            "resnet18" => ResNet18(inputShape: shape, classes: classes, seed: seed),
            "resnet34" => ResNet34(inputShape: shape, classes: classes, seed: seed),
            "resnet50" => ResNet50(inputShape: shape, classes: classes, seed: seed),
            "mobilenetv2" => MobileNetV2(inputShape: shape, classes: classes, seed: seed),
            "resnet20" => ResNet20(inputShape: shape, classes: classes, seed: seed),
            _ => throw new ArgumentException($"Unknown model '{name}'; the zoo has: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>The classifier or the pooling Keras puts after a backbone.</summary>
    private static SymbolicTensor Top(SymbolicTensor x, bool includeTop, string? pooling, int classes, string classifierActivation)
    {
        if (includeTop)
        {
            x = new GlobalAveragePooling2D(name: "avg_pool").Apply(x);
            return new Dense(classes, activation: classifierActivation, name: "predictions").Apply(x);
        }
        return pooling switch
        {
            null => x,
            "avg" => new GlobalAveragePooling2D(name: "avg_pool").Apply(x),
            "max" => new GlobalMaxPooling2D(name: "max_pool").Apply(x),
            _ => throw new ArgumentException($"pooling must be null, \"avg\" or \"max\"; received \"{pooling}\".", nameof(pooling)),
        };
    }

    private static Input ImageInput(int[]? inputShape, int[] defaultShape, int minSize, string model)
    {
        var shape = inputShape ?? defaultShape;
        if (shape.Length != 3 || shape[0] <= 0)
            throw new ArgumentException($"{model}: inputShape must be (channels, height, width), channels first; received {Layer.WithBatch(shape)}.", nameof(inputShape));
        if (shape[1] < minSize || shape[2] < minSize)
            throw new ArgumentException($"{model}: input size must be at least {minSize}x{minSize}; received {shape[1]}x{shape[2]}.", nameof(inputShape));
        return new Input(shape, name: "input_layer");
    }

    private static void CheckClasses(int classes)
    {
        if (classes <= 0) throw new ArgumentException($"classes must be positive; received {classes}.", nameof(classes));
    }
}
