using System.CommandLine;
using System.Globalization;
using Engine.Cli.Training;
using Engine.Data;
using Spectre.Console;

namespace Engine.Cli.Commands;

/// <summary>`engine predict IMAGE... --model RUN`: top-k classes with names, or the labels above a
/// threshold for a multi-label model.</summary>
internal static class PredictCommand
{
    public static Command Create(CliConsole console)
    {
        var images = new Argument<FileInfo[]>("images") { Description = "Image files (PNG, JPEG, BMP, GIF).", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model") { Description = "Run folder (or model .safetensors file) from 'engine train'.", Required = true };
        var topK = new Option<int>("--top-k") { Description = "How many classes to show per image.", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double>("--threshold") { Description = "Multi-label: show labels with probability at least this.", DefaultValueFactory = _ => 0.5 };
        var command = new Command("predict", "Classify images with a trained model.") { images, model, topK, threshold };
        command.SetAction(r =>
        {
            var files = r.GetValue(images)!;
            foreach (var f in files)
                if (!f.Exists) throw new UsageException($"Image '{f.FullName}' does not exist.");
            if (r.GetValue(topK) < 1) throw new UsageException("--top-k must be at least 1.");
            using var trained = TrainedModel.Open(r.GetValue(model)!);
            var (channels, size) = trained.InputShape;
            var color = channels == 1 ? ColorMode.Grayscale : ColorMode.Rgb;
            var multiLabel = trained.Settings.MultiLabel;
            var table = new Table().AddColumn("image").AddColumn(multiLabel ? "labels (probability)" : "top classes (probability)");
            foreach (var f in files)
            {
                using var x = ImageLoader.Load(f.FullName, color, (size, size));
                var probs = ModelOutputs.Probabilities(trained.Model, x, multiLabel);
                var shown = multiLabel
                    ? probs.Select((p, i) => (Name: trained.Vocabulary[i], P: p)).Where(t => t.P >= r.GetValue(threshold)).OrderByDescending(t => t.P).ToList()
                    : [.. trained.Vocabulary.TopK(probs, Math.Min(r.GetValue(topK), probs.Length)).Select(t => (t.Name, P: t.Score))];
                var text = shown.Count == 0 ? "(none above threshold)" : string.Join(", ", shown.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} ({t.P:0.000})")));
                table.AddRow(Markup.Escape(f.Name), Markup.Escape(text));
            }
            console.Ansi.Write(table);
            return Cli.Ok;
        });
        return command;
    }
}
