using System.CommandLine;
using System.Globalization;
using Engine.Cli.RunFolders;
using Engine.Cli.Training;
using Engine.Data;
using Engine.Models;
using Spectre.Console;

namespace Engine.Cli.Commands;

/// <summary>`engine evaluate RUN`: loss and metrics, plus a confusion matrix (classes) or per-label
/// precision / recall / F1 (multi-label), on the run's test data or on --data / --labels.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("model") { Description = "Run folder (or model .safetensors file) from 'engine train'." };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Evaluate on this class-folder tree instead of the run's test data." };
        var labels = new Option<FileInfo?>("--labels") { Description = "Evaluate a multi-label model on this CSV." };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 64 };
        var command = new Command("evaluate", "Score a trained model: metrics and confusion matrix.") { model, data, labels, batchSize };
        command.SetAction(r =>
        {
            using var trained = TrainedModel.Open(r.GetValue(model)!);
            IDataset dataset;
            string description;
            try
            {
                dataset = Dataset(trained, r.GetValue(data), r.GetValue(labels), r.GetValue(batchSize), out description);
            }
            catch (DataValidationException e)
            {
                throw new UsageException(e.WithHint("Fix or remove these files; evaluation needs every image.").Message);
            }
            console.Line($"Evaluating {trained.Path} on {description}");
            var scores = trained.Model.Evaluate(dataset);
            var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
            foreach (var (name, value) in scores) table.AddRow(name, value.ToString("0.0000", CultureInfo.InvariantCulture));
            console.Ansi.Write(table);
            var multiLabel = trained.Settings.MultiLabel;
            using var counts = new OutcomeCounts(trained.Vocabulary.Count, multiLabel);
            foreach (var batch in dataset.GetBatches(0))
            {
                var probs = ModelOutputs.Probabilities(trained.Model, batch.X, multiLabel);
                counts.Add(probs, batch.Y);
                if (!dataset.FreshBatches) continue;
                batch.X.Dispose(); // its pooled memory serves the next batch
                batch.Y.Dispose();
            }
            console.Ansi.Write(multiLabel ? counts.PerLabelTable(trained.Vocabulary) : counts.ConfusionTable(trained.Vocabulary));
            return Cli.Ok;
        });
        return command;
    }

    private static IDataset Dataset(TrainedModel t, DirectoryInfo? dir, FileInfo? csv, int batchSize, out string description)
    {
        if (dir is not null && csv is not null) throw new UsageException("Pass either --data or --labels, not both.");
        var (channels, size) = t.InputShape;
        var color = channels == 1 ? ColorMode.Grayscale : ColorMode.Rgb;
        if (dir is not null)
        {
            if (!dir.Exists) throw new UsageException($"--data: folder '{dir.FullName}' does not exist.");
            description = dir.FullName;
            return Datasets.ImageDatasetFromDirectory(dir.FullName, LabelMode.Int, t.Vocabulary.Names, color, batchSize, (size, size), shuffle: false, fullDecodeCheck: true);
        }
        if (csv is not null)
        {
            if (!csv.Exists) throw new UsageException($"--labels: file '{csv.FullName}' does not exist.");
            description = csv.FullName;
            return Datasets.MultiLabelFromCsv(csv.FullName, (size, size), color, batchSize, shuffle: false, labels: t.Vocabulary.Names, fullDecodeCheck: true);
        }
        var s = t.Settings with { BatchSize = batchSize, Augment = false };
        if (!s.UsesDigits && !Path.Exists(s.Data ?? s.Labels))
            throw new UsageException($"The run's data ({s.Data ?? s.Labels}) is gone; pass --data or --labels.");
        var loaded = TrainingData.Load(s, _ => { });
        description = loaded.TestDescription;
        return loaded.Test;
    }
}
