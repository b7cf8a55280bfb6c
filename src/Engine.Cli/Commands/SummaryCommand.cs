using System.CommandLine;
using Engine.Cli.Training;
using Engine.Models;

namespace Engine.Cli.Commands;

/// <summary>`engine summary`: the Keras-style layer table of the seed CNN, a JSON config or a trained model.</summary>
internal static class SummaryCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "'seed', a zoo model (resnet18, resnet34, resnet50, mobilenetv2, resnet20), a JSON model config, or a run folder / model file.", DefaultValueFactory = _ => "seed" };
        var imageSize = new Option<int>("--image-size") { Description = "Input size for the seed CNN.", DefaultValueFactory = _ => 28 };
        var channels = new Option<int>("--channels") { Description = "Input channels for the seed CNN (1 grayscale, 3 RGB).", DefaultValueFactory = _ => 1 };
        var classes = new Option<int>("--classes") { Description = "Outputs of the seed CNN.", DefaultValueFactory = _ => 10 };
        var command = new Command("summary", "Print a model's layers, output shapes and parameter counts.") { model, imageSize, channels, classes };
        command.SetAction(r =>
        {
            var which = r.GetValue(model)!;
            if (which == "seed")
            {
                if (r.GetValue(imageSize) < 18) throw new UsageException("--image-size must be at least 18 for the seed CNN (three 3x3 convolutions and two 2x2 poolings).");
                if (r.GetValue(channels) < 1 || r.GetValue(classes) < 1) throw new UsageException("--channels and --classes must be at least 1.");
                using var seed = SeedCnn.Build(r.GetValue(channels), r.GetValue(imageSize), r.GetValue(classes), rescale: 1.0 / 255);
                console.Out.WriteLine(seed.GetSummary());
                return Cli.Ok;
            }
            if (Applications.Names.Contains(which))
            {
                using var zoo = Applications.Create(which, r.GetValue(imageSize), r.GetValue(channels), r.GetValue(classes));
                console.Out.WriteLine(zoo.GetSummary());
                return Cli.Ok;
            }
            if (which.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                if (!File.Exists(which)) throw new UsageException($"Model config '{which}' does not exist.");
                using var fromJson = ModelBuilder.FromJsonFile(which, "--model");
                console.Out.WriteLine(fromJson.GetSummary());
                return Cli.Ok;
            }
            using var trained = TrainedModel.Open(which);
            console.Out.WriteLine(trained.Model.GetSummary());
            return Cli.Ok;
        });
        return command;
    }
}
