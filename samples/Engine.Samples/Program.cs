using System.Globalization;
using Engine.Samples;

// dotnet run --project samples/Engine.Samples -c Release -- <name> [--quick] [--epochs N] [--train N] [--test N]
var samples = new (string Name, string Shows, Func<SampleOptions, TextWriter, object> Run)[]
{
    ("multiclass", "seed CNN on the digits, sparse vs one-hot labels (seeds/000, 001)", (o, w) => MulticlassSample.Run(o, w)),
    ("multilabel", "1000 labels: plain BCE collapses to all zeros, pos_weight recovers (seeds/003)", (o, w) => MultiLabelSample.Run(o, w)),
    ("hierarchical", "two heads (coarse, fine) on a shared trunk with loss weights (seeds/000)", (o, w) => HierarchicalSample.Run(o, w)),
    ("imbalance", "rare classes: class_weight 'balanced' raises their recall (seeds/000, 001)", (o, w) => ImbalanceSample.Run(o, w)),
    ("augmentation", "class folders of PNGs, validation split, augmentation (seeds/001, 002)", (o, w) => AugmentationSample.Run(o, w)),
    ("transfer", "ImageNet ResNet18 from ONNX, frozen, new head vs the same net from scratch (issue 15)", (o, w) => TransferSample.Run(o, w)),
    ("custom-loop", "a hand-written training loop: forward, loss, backward, step (seeds/002)", (o, w) => CustomLoopSample.Run(o, w)),
};

if (args.Length == 0 || args[0] is "list" or "--help" or "-h")
{
    Console.WriteLine("Samples (dotnet run --project samples/Engine.Samples -c Release -- <name> [--quick] [--epochs N] [--train N] [--test N]):");
    foreach (var s in samples) Console.WriteLine($"  {s.Name,-13} {s.Shows}");
    return args.Length == 0 ? 2 : 0;
}

var sample = samples.FirstOrDefault(s => s.Name == args[0]);
if (sample.Name is null)
{
    Console.Error.WriteLine($"Unknown sample '{args[0]}'; expected one of: {string.Join(", ", samples.Select(s => s.Name))}.");
    return 2;
}

var options = new SampleOptions();
for (var i = 1; i < args.Length; i++)
{
    int Value() => i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
        ? v : throw new ArgumentException($"{args[i - 1]} expects a positive integer.");
    try
    {
        options = args[i] switch
        {
            "--quick" => options with { Reduced = true },
            "--epochs" => options with { Epochs = Value() },
            "--train" => options with { TrainCount = Value() },
            "--test" => options with { TestCount = Value() },
            _ => throw new ArgumentException($"Unknown option '{args[i]}'; expected --quick, --epochs N, --train N or --test N."),
        };
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

var result = sample.Run(options, Console.Out);
Console.WriteLine(result);
return 0;
