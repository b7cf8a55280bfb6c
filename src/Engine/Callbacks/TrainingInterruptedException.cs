namespace Engine.Callbacks;

/// <summary>Thrown by a callback from <see cref="Callback.OnTrainBatchBegin"/> or
/// <see cref="Callback.OnTrainBatchEnd"/> to leave Fit at once (Ctrl-C, a deadline, a signal from
/// another thread) rather than after the epoch as <see cref="Models.Model.StopTraining"/> does. Before
/// it leaves Fit, a <see cref="BackupAndRestore"/> writes a mid-epoch backup, so the next Fit with the
/// same backup continues at the next batch, bitwise as if never interrupted. Fit fills in where it
/// stopped.</summary>
public sealed class TrainingInterruptedException(string reason) : Exception(reason)
{
    /// <summary>What asked to stop ("Ctrl-C", "SIGTERM", …).</summary>
    public string Reason { get; } = reason;

    /// <summary>The epoch that was being trained (0-based), set by Fit.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Batches of that epoch that were trained, set by Fit: a resumed Fit starts with this one.</summary>
    public int NextBatch { get; internal set; }
}
