using System.Diagnostics;
using System.Globalization;
using Engine.Callbacks;
using Engine.Cli.RunFolders;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Serialization;
using Spectre.Console;

namespace Engine.Cli.Training;

/// <summary>What `train --resume RUN [--epochs N] [--device D]` asks for.</summary>
internal sealed record ResumeRequest(string RunDir, int? Epochs, string? Device);

/// <summary>One `engine train` run. Everything that can be checked is checked before the first byte
/// is written (folder ownership, settings, data, model, checkpoint compatibility); the run folder is
/// locked while training; Ctrl-C, divergence and write failures end with a message and a folder that
/// still resumes.</summary>
internal sealed class TrainRun(CliConsole console)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>A new run into <paramref name="runDir"/> (which must be new or empty).</summary>
    public int Start(TrainSettings settings, string runDir)
    {
        switch (RunFolder.Inspect(runDir))
        {
            case RunFolderState.File:
                throw new UsageException($"--output '{runDir}' is an existing file; a run folder must be a new or empty folder. Nothing was written.");
            case RunFolderState.NotARun:
                throw new UsageException($"--output '{runDir}' already has files in it and is not an Engine run folder (it has no {RunMarker.FileName}); choose a new or empty folder. Nothing was written.");
            case RunFolderState.Interrupted:
                RunLock.Acquire(runDir).Dispose(); // a run still training in it is named first
                throw new UsageException($"'{runDir}' holds an interrupted run; continue it (with its own settings) by\n  {ResumeCommand.For(runDir)}\nor choose another --output. Nothing was written.");
            case RunFolderState.Finished:
                RunLock.Acquire(runDir).Dispose();
                throw new UsageException($"'{runDir}' already holds a finished run; train it further with\n  {ResumeCommand.For(runDir)} --epochs N\n(N larger than the epochs it has), or choose another --output. Nothing was written.");
        }

        using var prepared = Prepare(settings);
        CreateFolder(runDir);
        using var runLock = RunLock.Acquire(runDir);
        if (RunFolder.Inspect(runDir) != RunFolderState.Empty)
            throw new UsageException($"'{runDir}' was written to by something else while this run was preparing; nothing was written by this run.");
        RunFolder.RemoveStaleTempFiles(runDir);
        console.LogDirectory = runDir;
        RunMarker.Write(runDir, settings);
        WriteRecords(runDir, settings, prepared);
        return Train(prepared, settings, runDir, resuming: false);
    }

    /// <summary>Continues the run in the request's folder: an interrupted one from its backup, a
    /// finished one from its final state with more epochs.</summary>
    public int Resume(ResumeRequest request, Action<TrainSettings> validate)
    {
        var runDir = request.RunDir;
        var state = RunFolder.Inspect(runDir);
        if (state is RunFolderState.Missing) throw new UsageException($"--resume: run folder '{runDir}' does not exist.");
        if (state is RunFolderState.File) throw new UsageException($"--resume: '{runDir}' is a file; pass the run folder that 'engine train' wrote.");
        if (state is RunFolderState.Empty or RunFolderState.NotARun)
            throw new UsageException($"--resume: '{runDir}' is not an Engine run folder (it has no {RunMarker.FileName}); pass a folder written by 'engine train'.");

        using var runLock = RunLock.Acquire(runDir);
        RunFolder.RemoveStaleTempFiles(runDir);
        state = RunFolder.Inspect(runDir);
        var saved = RunMarker.Read(runDir);
        var settings = saved with { Epochs = request.Epochs ?? saved.Epochs, Device = request.Device ?? saved.Device };
        validate(settings);

        var checkpoint = state == RunFolderState.Finished ? Path.Combine(runDir, RunFolder.StateFile)
            : File.Exists(RunFolder.BackupPath(runDir)) ? RunFolder.BackupPath(runDir) : null;
        using var savedModel = checkpoint is null ? null : Model.Load(checkpoint, compile: false);
        var done = savedModel?.Epoch ?? 0;
        if (state == RunFolderState.Finished && settings.Epochs <= done)
            throw new UsageException($"'{runDir}' is a finished run of {done} epochs; to train it further pass --epochs N with N > {done} " +
                $"(as Keras's initial_epoch, training goes on with epoch {done + 1} up to epoch N). Nothing was written.");
        if (settings.Epochs < done)
            throw new UsageException($"'{runDir}' has already trained {done} epochs; --epochs {settings.Epochs} would end before that. Pass --epochs {done} or more. Nothing was written.");
        if (savedModel?.ResumeProgress is { } partial && settings.Epochs <= done)
            throw new UsageException($"'{runDir}' was interrupted after batch {partial.NextBatch} of epoch {done + 1}; --epochs {settings.Epochs} would end before that epoch. " +
                $"Pass --epochs {done + 1} or more. Nothing was written.");

        using var prepared = Prepare(settings);
        CheckCompatible(runDir, prepared, savedModel, checkpoint);

        console.LogDirectory = runDir;
        if (settings != saved)
        {
            RunMarker.Write(runDir, settings);
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.ConfigFile), settings.ToJson());
        }
        if (!File.Exists(Path.Combine(runDir, RunFolder.LabelsFile))) WriteRecords(runDir, settings, prepared); // killed while starting
        if (state == RunFolderState.Finished)
        {
            // Train more: the final state becomes the backup that Fit continues from.
            Directory.CreateDirectory(Path.Combine(runDir, RunFolder.BackupFolder));
            AtomicFile.WriteAllBytes(RunFolder.BackupPath(runDir), File.ReadAllBytes(checkpoint!));
            console.Line($"Training the finished run in {runDir} further: epochs {done + 1} to {settings.Epochs}.");
        }
        else if (savedModel?.ResumeProgress is { } at)
            console.Line($"Resuming the interrupted run in {runDir} in epoch {done + 1}, after batch {at.NextBatch}.");
        else console.Line(done == 0 ? $"Restarting the interrupted run in {runDir} (it had not finished an epoch)." : $"Resuming the interrupted run in {runDir} after epoch {done}.");
        return Train(prepared, settings, runDir, resuming: true);
    }

    /// <summary>Device, data, model, loss: everything that needs no file written.</summary>
    private PreparedRun Prepare(TrainSettings settings)
    {
        var (device, why) = DeviceChoice.Resolve(settings.Device);
        console.Line($"Device: {device} ({why})");
        var data = TrainingData.Load(settings, console.Line);
        console.Line($"Data: {DescribeData(settings, data)}");
        var model = ModelBuilder.Build(settings, data);
        try
        {
            var loss = LossFor(settings, data, model);
            model.Compile(optimizer: Optimizer.FromName(settings.Optimizer, settings.LearningRate), loss: loss,
                metrics: Metrics(settings), device: device);
            var summary = model.GetSummary();
            console.Line(summary);
            return new PreparedRun(device, data, model, summary, ClassWeightsFor(settings, data));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void CreateFolder(string runDir)
    {
        try
        {
            Directory.CreateDirectory(runDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--output '{runDir}' cannot be created: {e.Message} Choose a folder in a writable place.");
        }
    }

    private static void WriteRecords(string runDir, TrainSettings settings, PreparedRun run)
    {
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.ConfigFile), settings.ToJson());
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), run.Summary);
        run.Data.Vocabulary.Save(Path.Combine(runDir, RunFolder.LabelsFile));
    }

    /// <summary>The data and model of a resumed run must be the ones its checkpoint was trained on.</summary>
    private static void CheckCompatible(string runDir, PreparedRun run, Model? saved, string? checkpoint)
    {
        var labelsPath = Path.Combine(runDir, RunFolder.LabelsFile);
        if (File.Exists(labelsPath))
        {
            var before = Data.LabelVocabulary.Load(labelsPath).Names;
            var now = run.Data.Vocabulary.Names;
            if (!before.SequenceEqual(now))
                throw new UsageException($"The data of '{runDir}' changed since the run began: {RunFolder.LabelsFile} has {Describe(before)}, the data now has {Describe(now)}. " +
                    "Restore the data, or start a new run with another --output. Nothing was written.");
        }
        if (saved is null) return;
        var expected = saved.GetWeights();
        var built = run.Model.GetWeights();
        try
        {
            var a = expected.Values.Select(t => t.Shape.ToString()).ToArray();
            var b = built.Values.Select(t => t.Shape.ToString()).ToArray();
            if (!a.SequenceEqual(b))
                throw new UsageException($"The checkpoint '{checkpoint}' holds weights of shapes {string.Join(" ", a)}, but the run's settings now build {string.Join(" ", b)} " +
                    "(the model file or the data changed). Restore them, or start a new run with another --output. Nothing was written.");
        }
        finally
        {
            foreach (var t in expected.Values.Concat(built.Values)) t.Dispose();
        }
    }

    private static string Describe(IReadOnlyList<string> names) =>
        $"{names.Count} classes ({string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", ..." : "")})";

    private int Train(PreparedRun run, TrainSettings settings, string runDir, bool resuming)
    {
        var guard = new DivergenceGuard(Monitor(settings));
        using var interruption = new Interruption(Cli.IsMainProcess);
        var callbacks = new List<Callback>
        {
            guard,
            interruption,
            new ModelCheckpoint(Path.Combine(runDir, RunFolder.ModelFile), monitor: Monitor(settings), saveBestOnly: true),
        };
        if (settings.Patience is { } patience)
            callbacks.Add(new EarlyStopping(Monitor(settings), patience: patience, restoreBestWeights: true, verbose: 1));
        callbacks.Add(guard.Unhide);
        callbacks.Add(new CsvLogger(Path.Combine(runDir, RunFolder.HistoryCsv), append: resuming));
        callbacks.Add(new BackupAndRestore(Path.Combine(runDir, RunFolder.BackupFolder), deleteCheckpoint: false));
        callbacks.Add(new EpochEndCollection());

        var model = run.Model;
        try
        {
            if (settings.UnfreezeAfter is { } n)
            {
                // Two phases (Keras's transfer-learning recipe): the head alone for n epochs, then the top
                // layers too at a tenth of the rate. Each phase's optimizer covers its own trainable weights.
                var (done, savedRate) = BackupState(runDir);
                var rate = FineTuneRate(settings);
                // A backup of epoch n is in the second phase's layout once the phase change below has
                // rewritten it (told apart by its optimizer's rate); later backups always are.
                var unfrozenBackup = done > n || done == n && savedRate is { } r && Math.Abs(r - rate) <= 1e-6 * rate;
                if (!unfrozenBackup) Fit(model, run, settings, n, callbacks);
                if (unfrozenBackup || model.Epoch >= n && !model.StopTraining)
                {
                    var unfrozen = OnnxBackbone.Unfreeze(model, settings.UnfreezeLayers);
                    model.Compile(optimizer: Optimizer.FromName(settings.Optimizer, rate), loss: LossFor(settings, run.Data, model), metrics: Metrics(settings), device: run.Device);
                    console.Line(string.Create(CultureInfo.InvariantCulture,
                        $"Unfreezing after epoch {n}: {string.Join(", ", unfrozen.Select(l => l.Name))} (BatchNormalization stays frozen); learning rate {rate:G4}."));
                    // The backup of epoch n holds the head-only optimizer; write it again in the
                    // new layout so a resume (and this Fit) continues from the same state.
                    if (!unfrozenBackup) model.SaveTrainingCheckpoint(BackupPath(runDir), callbacks);
                    var csv = callbacks.FindIndex(c => c is CsvLogger);
                    callbacks[csv] = new CsvLogger(Path.Combine(runDir, RunFolder.HistoryCsv), append: true);
                    Fit(model, run, settings, settings.Epochs, callbacks);
                }
            }
            else Fit(model, run, settings, settings.Epochs, callbacks);
            Finish(runDir);
        }
        catch (TrainingInterruptedException e)
        {
            console.Error.WriteLine($"Interrupted by {e.Reason}: stopped after batch {e.NextBatch} of epoch {e.Epoch + 1}. The run folder's backup holds that state " +
                $"(resuming goes on with the next batch and ends as an uninterrupted run would). Continue with:\n  {ResumeCommand.For(runDir)}");
            return Cli.Interrupted;
        }
        catch (Data.DataValidationException e)
        {
            // Every image decoded before training; this one changed on disk since.
            throw new UsageException(e.WithHint($"These files changed or broke during training. Fix or remove them, then continue with:\n  {ResumeCommand.For(runDir)}").Message);
        }
        catch (Exception e) when (e is IOException and not (FileNotFoundException or DirectoryNotFoundException) or UnauthorizedAccessException)
        {
            throw new UsageException($"Writing to the run folder '{runDir}' failed: {e.Message} Files there are replaced atomically, so {RunFolder.ModelFile} " +
                $"and the backup of the last finished epoch are intact. Free some space (or fix the folder's permissions) and continue with:\n  {ResumeCommand.For(runDir)}");
        }

        var historyPath = Path.Combine(runDir, RunFolder.HistoryCsv);
        HistoryCsv.KeepLastRowPerEpoch(historyPath);
        HistoryPlot.Save(HistoryCsv.Read(historyPath), Path.Combine(runDir, RunFolder.HistoryPng));

        var modelPath = Path.Combine(runDir, RunFolder.ModelFile);
        if (guard.DivergedAtEpoch is { } bad && !File.Exists(modelPath))
            throw new UsageException($"Training diverged: the loss was {guard.LastLoss} in epoch {bad + 1}, before any epoch gave a finite score, so no model was kept. " +
                $"{LowerRateHint(settings)}");
        Report(run, settings, runDir);
        if (guard.DivergedAtEpoch is { } epoch)
        {
            console.Error.WriteLine($"error: training diverged: the loss was {guard.LastLoss} in epoch {epoch + 1}, so training stopped. " +
                $"{RunFolder.ModelFile} is the best checkpoint from before that. {LowerRateHint(settings)}");
            return Cli.Usage;
        }
        return Cli.Ok;
    }

    private void Fit(Model model, PreparedRun run, TrainSettings settings, int epochs, List<Callback> callbacks)
    {
        if (console.Interactive)
        {
            var progress = new SpectreProgress(console.Ansi);
            progress.Run(() => model.Fit(run.Data.Train, epochs, verbose: 0, callbacks: [.. callbacks, progress],
                validationData: run.Data.Validation, classWeight: run.ClassWeight, seed: (ulong)settings.Seed, output: console.Out));
        }
        else
        {
            model.Fit(run.Data.Train, epochs, verbose: 2, callbacks: callbacks, validationData: run.Data.Validation,
                classWeight: run.ClassWeight, seed: (ulong)settings.Seed, output: console.Out);
        }
    }

    private static List<MetricSpec> Metrics(TrainSettings s) => s.MultiLabel ? ["accuracy", "precision", "recall", "f1", "auc"] : ["accuracy"];

    private static string BackupPath(string runDir) => RunFolder.BackupPath(runDir);

    /// <summary>Epochs in the run's backup (0 when there is none) and its optimizer's learning rate.</summary>
    private static (int Epoch, double? LearningRate) BackupState(string runDir)
    {
        if (!File.Exists(BackupPath(runDir))) return (0, null);
        int epoch;
        using (var saved = Model.Load(BackupPath(runDir), compile: false)) epoch = saved.Epoch;
        var (tensors, _) = ModelFile.Read(BackupPath(runDir));
        try
        {
            return (epoch, tensors.TryGetValue("optimizer/" + Optimizer.LearningRateKey, out var lr) ? lr.ToFloatArray()[0] : null);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The fine-tuning rate after --unfreeze-after: a tenth of the head's rate.</summary>
    public static double FineTuneRate(TrainSettings s) => (s.LearningRate ?? Optimizer.FromName(s.Optimizer, null).LearningRate) / 10;

    private static string LowerRateHint(TrainSettings s)
    {
        var current = s.LearningRate ?? Optimizer.FromName(s.Optimizer, null).LearningRate;
        return string.Create(CultureInfo.InvariantCulture, $"The learning rate ({current:G4}) is probably too high: try --lr {current / 10:G4} or lower.");
    }

    /// <summary>A completed Fit: the backup becomes the final training state (what "train more"
    /// continues from) and no empty backup/ folder stays behind.</summary>
    private static void Finish(string runDir)
    {
        var backup = RunFolder.BackupPath(runDir);
        if (File.Exists(backup)) File.Move(backup, Path.Combine(runDir, RunFolder.StateFile), overwrite: true);
        var folder = Path.Combine(runDir, RunFolder.BackupFolder);
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
    }

    /// <summary>Reports the checkpoint the run keeps (the best on validation), not the last epoch's weights.</summary>
    private void Report(PreparedRun run, TrainSettings settings, string runDir)
    {
        using var best = Model.Load(Path.Combine(runDir, RunFolder.ModelFile));
        best.To(run.Device);
        var scores = best.Evaluate(run.Data.Test);
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in scores) table.AddRow(name, value.ToString("0.0000", CultureInfo.InvariantCulture));
        console.Rule($"Best checkpoint (on {Monitor(settings)}) on the {run.Data.TestDescription}");
        console.Ansi.Write(table);
        if (scores.TryGetValue("accuracy", out var acc) && !settings.MultiLabel)
            console.Line(string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {acc:P2}"));
        console.Line($"Run folder: {Path.GetFullPath(runDir)} ({RunFolder.ModelFile}, {RunFolder.HistoryCsv}, {RunFolder.HistoryPng}, {RunFolder.SummaryFile}, {RunFolder.ConfigFile}, {RunFolder.LabelsFile}, {RunFolder.StateFile})");
        console.Line(string.Create(CultureInfo.InvariantCulture, $"Total time: {_clock.Elapsed.TotalSeconds:0.0}s"));
    }

    /// <summary>The score that picks the kept checkpoint: validation accuracy for classes, validation
    /// loss for multi-label (accuracy over all labels rewards predicting "absent" everywhere).</summary>
    public static string Monitor(TrainSettings s) => s.MultiLabel ? "val_loss" : "val_accuracy";

    /// <summary>Logits with the fused stable losses, unless a custom model ends in softmax/sigmoid.</summary>
    private Loss LossFor(TrainSettings settings, TrainingData data, Model model)
    {
        var fromLogits = !ModelOutputs.EndsInProbabilities(model);
        if (!settings.MultiLabel) return new SparseCategoricalCrossentropy(fromLogits);
        double[]? posWeight = settings.PosWeight switch
        {
            null => null,
            "auto" => Array.ConvertAll(data.TrainMultiHot is { } t ? Data.PosWeights.FromMultiHot(t, data.Vocabulary.Count) : [], v => (double)v),
            var value => Enumerable.Repeat(double.Parse(value, CultureInfo.InvariantCulture), data.Vocabulary.Count).ToArray(),
        };
        if (posWeight is { Length: > 0 })
            console.Line(string.Create(CultureInfo.InvariantCulture,
                $"Positive weights ({settings.PosWeight}) for {posWeight.Length} labels: min {posWeight.Min():0.###}, median {Median(posWeight):0.###}, max {posWeight.Max():0.###}"));
        return new BinaryCrossentropy(fromLogits, posWeight: posWeight);
    }

    private static double Median(double[] v)
    {
        var sorted = v.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private Dictionary<int, double>? ClassWeightsFor(TrainSettings settings, TrainingData data)
    {
        if (settings.ClassWeight is null || data.TrainLabels is null) return null;
        var classes = Enumerable.Range(0, data.Vocabulary.Count).ToArray();
        var weights = Data.ClassWeights.ComputeClassWeight(settings.ClassWeight, data.TrainLabels, classes);
        console.Line("Class weights (balanced): " + string.Join(", ", classes.Select(c => string.Create(CultureInfo.InvariantCulture, $"{data.Vocabulary[c]}={weights[c]:0.###}"))));
        return classes.ToDictionary(c => c, c => weights[c]);
    }

    private static string DescribeData(TrainSettings settings, TrainingData d)
    {
        var source = settings.UsesDigits ? "embedded MNIST digits" : settings.Labels ?? settings.Data!;
        return $"{source}: {d.Train.Count} training, {d.Validation.Count} validation, test on the {d.TestDescription}; " +
               $"{d.Vocabulary.Count} {(settings.MultiLabel ? "labels" : "classes")}; images ({d.Channels}, {d.Size}, {d.Size})";
    }
}

/// <summary>What Prepare made: disposed with the run.</summary>
internal sealed record PreparedRun(Tensors.Device Device, TrainingData Data, Model Model, string Summary, Dictionary<int, double>? ClassWeight) : IDisposable
{
    public void Dispose() => Model.Dispose();
}
