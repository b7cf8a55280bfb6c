using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Engine.Callbacks;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Serialization;
using Spectre.Console;

namespace Engine.Cli.Training;

/// <summary>One `engine train` run: data, model, Fit with checkpoints, then the test score and the
/// run folder's pictures and records.</summary>
internal sealed class TrainRun(TrainSettings settings, string runDir, CliConsole console)
{
    public int Execute()
    {
        var resuming = File.Exists(Path.Combine(runDir, RunFolder.BackupFolder, "backup.safetensors"));
        if (!resuming && File.Exists(Path.Combine(runDir, RunFolder.ModelFile)))
            throw new UsageException($"'{runDir}' already holds a finished run ({RunFolder.ModelFile}); choose another --output, or --resume an interrupted run.");
        Directory.CreateDirectory(runDir);
        var clock = Stopwatch.StartNew();

        var (device, why) = DeviceChoice.Resolve(settings.Device);
        console.Line($"Device: {device} ({why})");
        var data = TrainingData.Load(settings, console.Line);
        console.Line($"Data: {DescribeData(data)}");

        using var model = BuildModel(data);
        var loss = LossFor(data, model);
        model.Compile(optimizer: Optimizer.FromName(settings.Optimizer, settings.LearningRate), loss: loss,
            metrics: settings.MultiLabel ? ["accuracy", "precision", "recall", "f1", "auc"] : ["accuracy"], device: device);
        var summary = model.GetSummary();
        console.Line(summary);

        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.ConfigFile), settings.ToJson());
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), summary);
        data.Vocabulary.Save(Path.Combine(runDir, RunFolder.LabelsFile));

        var callbacks = Callbacks(resuming);
        var classWeight = ClassWeightsFor(data);
        if (resuming) console.Line($"Resuming the interrupted run in {runDir}.");
        if (console.Interactive)
        {
            var progress = new SpectreProgress(console.Ansi);
            progress.Run(() => model.Fit(data.Train, settings.Epochs, verbose: 0, callbacks: [.. callbacks, progress],
                validationData: data.Validation, classWeight: classWeight, seed: (ulong)settings.Seed, output: console.Out));
        }
        else
        {
            model.Fit(data.Train, settings.Epochs, verbose: 2, callbacks: callbacks, validationData: data.Validation,
                classWeight: classWeight, seed: (ulong)settings.Seed, output: console.Out);
        }

        var history = HistoryCsv.Read(Path.Combine(runDir, RunFolder.HistoryCsv));
        HistoryPlot.Save(history, Path.Combine(runDir, RunFolder.HistoryPng));

        // Report the checkpoint the run keeps (the best on validation), not the last epoch's weights.
        using var best = Model.Load(Path.Combine(runDir, RunFolder.ModelFile));
        best.To(device);
        var scores = best.Evaluate(data.Test);
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in scores) table.AddRow(name, value.ToString("0.0000", CultureInfo.InvariantCulture));
        console.Rule($"Best checkpoint on the {data.TestDescription}");
        console.Ansi.Write(table);
        if (scores.TryGetValue("accuracy", out var acc) && !settings.MultiLabel)
            console.Line(string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {acc:P2}"));
        console.Line($"Run folder: {Path.GetFullPath(runDir)} ({RunFolder.ModelFile}, {RunFolder.HistoryCsv}, {RunFolder.HistoryPng}, {RunFolder.SummaryFile}, {RunFolder.ConfigFile}, {RunFolder.LabelsFile})");
        console.Line(string.Create(CultureInfo.InvariantCulture, $"Total time: {clock.Elapsed.TotalSeconds:0.0}s"));
        return Cli.Ok;
    }

    /// <summary>A zoo model behind the seed CNN's 1/255 rescaling, for this data's image size and classes.</summary>
    private Model ZooModel(TrainingData data, int classes)
    {
        Model zoo;
        try { zoo = Applications.Create(settings.Model, data.Size, data.Channels, classes, (ulong)settings.Seed); }
        catch (ArgumentException e) { throw new UsageException($"--model {settings.Model}: {e.Message} (set --image-size)"); }
        var input = new Engine.Layers.Input(data.Channels, data.Size, data.Size);
        return new Model(input, zoo.Apply(new Engine.Layers.Rescaling(1.0 / 255).Apply(input)), name: settings.Model, seed: (ulong)settings.Seed);
    }

    private Model BuildModel(TrainingData data)
    {
        var classes = data.Vocabulary.Count;
        if (settings.Model == "seed") return SeedCnn.Build(data.Channels, data.Size, classes, rescale: 1.0 / 255, seed: (ulong)settings.Seed);
        if (Applications.Names.Contains(settings.Model)) return ZooModel(data, classes);
        if (!File.Exists(settings.Model))
            throw new UsageException($"--model must be 'seed' or a JSON model config file; '{settings.Model}' does not exist.");
        Model model;
        try
        {
            model = ModelConfig.FromJson(JsonNode.Parse(File.ReadAllText(settings.Model)) as JsonObject
                ?? throw new UsageException($"'{settings.Model}' does not hold a JSON object."));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"'{settings.Model}' is not valid JSON: {e.Message}");
        }
        if (model.InputShape is { } shape && (shape[0] != data.Channels || shape[1] != data.Size || shape[2] != data.Size))
            throw new UsageException($"The model in '{settings.Model}' expects inputs {Tensors.Shape.Format(shape)}, but the data gives ({data.Channels}, {data.Size}, {data.Size}); adjust --image-size / --grayscale.");
        var outputs = model.OutputShapes.Values.Single();
        if (outputs[^1] != classes)
            throw new UsageException($"The model in '{settings.Model}' has {outputs[^1]} outputs, but the data has {classes} {(settings.MultiLabel ? "labels" : "classes")}.");
        return model;
    }

    /// <summary>Logits with the fused stable losses, unless a custom model ends in softmax/sigmoid.</summary>
    private Loss LossFor(TrainingData data, Model model)
    {
        var fromLogits = !ModelOutputs.EndsInProbabilities(model);
        if (!settings.MultiLabel) return new SparseCategoricalCrossentropy(fromLogits);
        double[]? posWeight = settings.PosWeight switch
        {
            null => null,
            "auto" => Array.ConvertAll(data.TrainMultiHot is { } t ? Data.PosWeights.FromMultiHot(t, data.Vocabulary.Count) : [], v => (double)v),
            var value => Enumerable.Repeat(double.Parse(value, CultureInfo.InvariantCulture), data.Vocabulary.Count).ToArray(),
        };
        return new BinaryCrossentropy(fromLogits, posWeight: posWeight);
    }

    private Dictionary<int, double>? ClassWeightsFor(TrainingData data)
    {
        if (settings.ClassWeight is null || data.TrainLabels is null) return null;
        var classes = Enumerable.Range(0, data.Vocabulary.Count).ToArray();
        var weights = Data.ClassWeights.ComputeClassWeight(settings.ClassWeight, data.TrainLabels, classes);
        console.Line("Class weights: " + string.Join(", ", classes.Select(c => string.Create(CultureInfo.InvariantCulture, $"{data.Vocabulary[c]}={weights[c]:0.###}"))));
        return classes.ToDictionary(c => c, c => weights[c]);
    }

    private List<Callback> Callbacks(bool resuming)
    {
        var monitor = settings.MultiLabel ? "val_loss" : "val_accuracy";
        var list = new List<Callback>
        {
            new ModelCheckpoint(Path.Combine(runDir, RunFolder.ModelFile), monitor: monitor, saveBestOnly: true),
            new CsvLogger(Path.Combine(runDir, RunFolder.HistoryCsv), append: resuming),
        };
        if (settings.Patience is { } patience)
            list.Add(new EarlyStopping(monitor, patience: patience, restoreBestWeights: true, verbose: 1));
        list.Add(new BackupAndRestore(Path.Combine(runDir, RunFolder.BackupFolder)));
        return list;
    }

    private string DescribeData(TrainingData d)
    {
        var source = settings.UsesDigits ? "embedded MNIST digits" : settings.Labels ?? settings.Data!;
        return $"{source}: {d.Train.Count} training, {d.Validation.Count} validation, test on the {d.TestDescription}; " +
               $"{d.Vocabulary.Count} {(settings.MultiLabel ? "labels" : "classes")}; images ({d.Channels}, {d.Size}, {d.Size})";
    }
}
