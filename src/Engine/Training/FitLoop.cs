using Engine.Callbacks;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Training;

/// <summary>Fit's epochs and batches (Keras's fit loop): callbacks around every epoch and step,
/// validation after each epoch, stopping when a callback sets <see cref="Model.StopTraining"/>, and
/// resuming where a restored backup left off (<see cref="Model.ResumeEpoch"/>).</summary>
internal static class FitLoop
{
    public static History Run(Model model, TrainingStep training, IBatchSource train, IBatchSource? validation, int epochs, int verbose,
        IEnumerable<Callback>? callbacks, IReadOnlyDictionary<int, double>? classWeight, int initialEpoch, ulong? seed, TextWriter? output)
    {
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be >= 0.");
        if (initialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(initialEpoch), initialEpoch, "initialEpoch must be >= 0.");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch).");
        if (classWeight is not null && training.Heads.Count > 1)
            throw new ArgumentException("classWeight is only supported for models with a single output; use sample weights for multi-output models.", nameof(classWeight));

        var history = new History();
        var all = new List<Callback>();
        if (verbose > 0) all.Add(new ProgressLogger(output ?? Console.Out, verbose));
        all.AddRange(callbacks ?? []);
        all.Add(history);
        var list = new CallbackList(all);
        list.Attach(model, new FitParams(epochs, train.BatchCount, verbose), output ?? Console.Out);

        if (seed is { } s) model.TrainingRng = new Rng(s);
        model.StopTraining = false;
        model.ResumeEpoch = null;
        model.ResumeProgress = null;
        list.OnTrainBegin();
        var first = model.ResumeEpoch ?? initialEpoch;
        var resume = model.ResumeEpoch is not null ? model.ResumeProgress : null;
        model.ResumeEpoch = null;
        model.ResumeProgress = null;

        Dictionary<string, double> logs = [];
        for (var epoch = first; epoch < epochs && !model.StopTraining; epoch++)
        {
            list.OnEpochBegin(epoch);
            RunEpoch(model, training, train, epoch, classWeight, list, resume);
            resume = null;
            logs = training.ReadLogs();
            if (validation is not null)
                foreach (var (k, v) in training.Evaluate(validation, "val_")) logs[k] = v;
            model.Epoch = epoch + 1;
            list.OnEpochEnd(epoch, logs);
        }
        list.OnTrainEnd(logs);
        return history;
    }

    /// <summary>The batches of one epoch; from <paramref name="resume"/>'s next batch when a backup
    /// written mid-epoch was restored (its running loss and metric sums came back with it).</summary>
    private static void RunEpoch(Model model, TrainingStep training, IBatchSource train, int epoch, IReadOnlyDictionary<int, double>? classWeight,
        CallbackList list, EpochProgress? resume)
    {
        var progress = model.Progress;
        var shuffle = model.TrainingRng;
        if (resume is null)
        {
            training.ResetMetrics();
            progress.EpochStart = shuffle.GetState();
            progress.NextBatch = 0;
        }
        else
        {
            // The epoch's order comes from the stream as the epoch began; the model's stream itself
            // goes on from where the backup left it.
            shuffle = new Rng(0);
            shuffle.SetState(resume.EpochStart);
            progress.EpochStart = resume.EpochStart;
            progress.NextBatch = resume.NextBatch;
        }
        progress.Epoch = epoch;
        progress.InEpoch = true;
        var step = progress.NextBatch;
        try
        {
            foreach (var b in train.Batches(epoch, shuffle, step))
            {
                list.OnTrainBatchBegin(step);
                training.Train(b, classWeight);
                b.Release();
                progress.NextBatch = step + 1;
                if (list.WantsBatchEnd) list.OnTrainBatchEnd(step, new LazyLogs(() => training.ReadLogs()));
                step++;
                if (model.StopTraining) break;
            }
        }
        catch (TrainingInterruptedException e)
        {
            e.Epoch = epoch;
            e.NextBatch = progress.NextBatch;
            list.OnInterrupted();
            throw;
        }
        finally
        {
            progress.InEpoch = false;
        }
    }
}
