using Engine.Models;

namespace Engine.Callbacks;

/// <summary>Hooks into Fit, like Keras's Callback. Epochs are 0-based (printed 1-based). Batch logs
/// are computed only when a callback reads them, because reading a loss waits for the device.</summary>
public class Callback
{
    /// <summary>The model being trained (set by Fit).</summary>
    public Model? Model { get; private set; }

    public FitParams? Params { get; private set; }

    /// <summary>Where messages go (Fit's output: Console.Out unless Fit was given a writer).</summary>
    protected TextWriter Output { get; private set; } = Console.Out;

    /// <summary>All callbacks of the current Fit, in the order they run.</summary>
    internal IReadOnlyList<Callback> Siblings { get; private set; } = [];

    internal void Attach(Model model, FitParams parameters, TextWriter output, IReadOnlyList<Callback> all)
    {
        Model = model;
        Params = parameters;
        Output = output;
        Siblings = all;
    }

    /// <summary>The model, or a clear error when used outside Fit.</summary>
    protected Model RequireModel() => Model ?? throw new InvalidOperationException($"{GetType().Name} is not attached to a model; pass it to Fit(callbacks: ...).");

    /// <summary>Called after all OnTrainBegin/OnEpochEnd of the other callbacks (BackupAndRestore
    /// must see everybody's state).</summary>
    internal virtual bool RunsLast => false;

    public virtual void OnTrainBegin()
    {
    }

    public virtual void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
    }

    public virtual void OnEpochBegin(int epoch)
    {
    }

    /// <summary>End of an epoch: logs hold "loss", the metrics, and "val_*" when validating; a
    /// callback may add entries (ReduceLROnPlateau adds "learning_rate").</summary>
    public virtual void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
    }

    public virtual void OnTrainBatchBegin(int batch)
    {
    }

    /// <summary>End of a training step; <paramref name="logs"/> holds the running means of the epoch
    /// so far, computed (one device sync) on first access.</summary>
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>Fit is being left mid-epoch by a <see cref="TrainingInterruptedException"/>
    /// (BackupAndRestore writes a mid-epoch backup here).</summary>
    internal virtual void OnInterrupted()
    {
    }

    /// <summary>The state needed to resume (null: stateless).</summary>
    public virtual CallbackState? GetState() => null;

    public virtual void SetState(CallbackState state)
    {
    }
}
