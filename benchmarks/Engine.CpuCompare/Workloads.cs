using Engine.Layers;
using Engine.Models;

namespace Engine.CpuCompare;

/// <summary>The workloads of issue 16. W1 and W3 are the seed CNN on 28×28×1; W2 is the smaller
/// two-conv net on 64×64×3 (Conv32-pool-Conv64-pool-Dense128-Dense10). W4 and W5 are issue 14's zoo
/// models (ResNet-20 on 32×32×3, ResNet18 on 64×64×3, 10 classes). All end in logits.</summary>
internal sealed record Workload(string Name, int Channels, int Size, int Batch, bool Train, bool SeedCnn, string? Zoo = null)
{
    public static readonly Workload[] All =
    [
        new("W1/train/b64", 1, 28, 64, Train: true, SeedCnn: true),
        new("W1/train/b128", 1, 28, 128, Train: true, SeedCnn: true),
        new("W2/train/b32", 3, 64, 32, Train: true, SeedCnn: false),
        new("W3/infer/b256", 1, 28, 256, Train: false, SeedCnn: true),
        new("W4/resnet20/b128", 3, 32, 128, Train: true, SeedCnn: false, Zoo: "resnet20"),
        new("W5/resnet18-64/b32", 3, 64, 32, Train: true, SeedCnn: false, Zoo: "resnet18"),
    ];

    /// <summary>What runs without --workloads: issue 16's W1–W3, as its committed results were run.</summary>
    public static readonly Workload[] Default = All.Where(w => w.Zoo is null).ToArray();

    public static Workload Parse(string name) =>
        All.FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || w.Name.StartsWith(name + "/", StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown workload '{name}'; expected one of {string.Join(", ", All.Select(w => w.Name))} (or W1…W5 prefixes).");

    /// <summary>Engine's model; its initial weights are copied into the TorchSharp twin.</summary>
    public Model BuildEngine() => Zoo switch
    {
        "resnet20" => Applications.ResNet20(inputShape: [Channels, Size, Size], classes: 10, classifierActivation: "linear", seed: 1),
        "resnet18" => Applications.ResNet18(inputShape: [Channels, Size, Size], classes: 10, classifierActivation: "linear", seed: 1),
        _ => BuildSequential(),
    };

    private Sequential BuildSequential() => SeedCnn
        ? Models.SeedCnn.Build(Channels, Size, 10, seed: 1)
        : new Sequential(
        [
            new Input(Channels, Size, Size),
            new Conv2D(32, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Conv2D(64, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(128, activation: "relu"),
            new Dense(10),
        ], "w2", seed: 1);
}
