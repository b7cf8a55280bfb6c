using System.CommandLine;
using System.Globalization;
using Engine.Cli.RunFolders;
using Engine.Cli.Training;
using Engine.Data;

namespace Engine.Cli.Commands;

/// <summary>`engine predict IMAGE... --model RUN`: one line per image, as the path was given, with the
/// top-k classes, or the labels above a threshold for a multi-label model. Each image is handled on
/// its own: unreadable ones are listed with their reason (exit 2) and the others still get an answer.</summary>
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
            if (r.GetValue(topK) < 1) throw new UsageException("--top-k must be at least 1.");
            using var trained = TrainedModel.Open(r.GetValue(model)!);
            var (channels, size) = trained.InputShape;
            var color = channels == 1 ? ColorMode.Grayscale : ColorMode.Rgb;
            var multiLabel = trained.Settings.MultiLabel;
            console.Line(multiLabel ? "image: labels (probability)" : "image: top classes (probability)");
            var failed = new List<(string Path, string Reason)>();
            foreach (var f in files)
            {
                // Each image on its own: one unreadable file does not cost the others their answer.
                var shownPath = f.ToString();
                var problem = ImageProblem(f);
                if (problem is not null)
                {
                    failed.Add((shownPath, problem));
                    console.Line($"{shownPath}: (not predicted: {problem})");
                    continue;
                }
                using var x = ImageLoader.Load(f.FullName, color, (size, size));
                var probs = ModelOutputs.Probabilities(trained.Model, x, multiLabel);
                var shown = multiLabel
                    ? probs.Select((p, i) => (Name: trained.Vocabulary[i], P: p)).Where(t => t.P >= r.GetValue(threshold)).OrderByDescending(t => t.P).ToList()
                    : [.. trained.Vocabulary.TopK(probs, Math.Min(r.GetValue(topK), probs.Length)).Select(t => (t.Name, P: t.Score))];
                var text = shown.Count == 0 ? "(none above threshold)" : string.Join(", ", shown.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} ({t.P:0.000})")));
                console.Line($"{shownPath}: {text}");
            }
            if (failed.Count == 0) return Cli.Ok;
            console.Error.WriteLine($"error: {failed.Count} of {files.Length} images could not be predicted:");
            foreach (var (path, reason) in failed) console.Error.WriteLine($"  - {path}: {reason}");
            return Cli.Usage;
        });
        return command;
    }

    /// <summary>Why an image cannot be predicted (missing, unreadable, not an image, damaged), or null.</summary>
    private static string? ImageProblem(FileInfo f)
    {
        if (Directory.Exists(f.FullName)) return "is a folder, not an image file";
        if (!f.Exists) return "file not found";
        return ImageLoader.Problem(f.FullName);
    }
}
