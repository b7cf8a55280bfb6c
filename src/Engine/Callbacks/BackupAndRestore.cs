namespace Engine.Callbacks;

/// <summary>Makes an interrupted Fit resumable (Keras's BackupAndRestore). It writes one checkpoint
/// with everything training depends on: weights (batch-norm statistics included), optimizer state,
/// the training random stream, the number of finished epochs and the state of the other callbacks —
/// at the end of every epoch (<c>saveFreq: null</c>, Keras's "epoch") or after every
/// <c>saveFreq</c> batches, and whenever Fit is left by a <see cref="TrainingInterruptedException"/>.
/// A backup written mid-epoch also holds the position in the epoch (which batch is next, the random
/// stream as the epoch began) and the epoch's running loss and metric sums. When Fit starts and a
/// backup exists, all of that is restored and training continues where it stopped: at the next
/// epoch, or at the next batch of the interrupted one; on the CPU the weights, optimizer state and
/// logs are bitwise the same as a run that was never interrupted. The backup is deleted when Fit
/// completes (unless deleteCheckpoint is false).</summary>
public sealed class BackupAndRestore : Callback
{
    private int _batchesSinceSave;

    public BackupAndRestore(string backupDir, bool deleteCheckpoint = true, int? saveFreq = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupDir);
        if (saveFreq is < 1)
            throw new ArgumentOutOfRangeException(nameof(saveFreq), saveFreq, "saveFreq must be null (back up at the end of every epoch) or a number of batches >= 1.");
        BackupDir = backupDir;
        DeleteCheckpoint = deleteCheckpoint;
        SaveFreq = saveFreq;
    }

    public string BackupDir { get; }

    public bool DeleteCheckpoint { get; }

    /// <summary>Batches between backups; null backs up at the end of every epoch (Keras's save_freq="epoch").</summary>
    public int? SaveFreq { get; }

    /// <summary>The checkpoint file inside <see cref="BackupDir"/>.</summary>
    public string BackupPath => Path.Combine(BackupDir, "backup.safetensors");

    /// <summary>The epoch (number of finished epochs) restored at the start of the last Fit, if any.</summary>
    public int? RestoredEpoch { get; private set; }

    /// <summary>The batch of <see cref="RestoredEpoch"/> the last Fit continued with, when its backup
    /// was written mid-epoch.</summary>
    public int? RestoredBatch { get; private set; }

    internal override bool RunsLast => true;

    public override void OnTrainBegin()
    {
        RestoredEpoch = null;
        RestoredBatch = null;
        _batchesSinceSave = 0;
        if (!File.Exists(BackupPath)) return;
        var model = RequireModel();
        RestoredEpoch = model.RestoreTrainingCheckpoint(BackupPath, Siblings);
        RestoredBatch = model.ResumeProgress?.NextBatch;
    }

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveFreq is not { } every || ++_batchesSinceSave < every) return;
        _batchesSinceSave = 0;
        Save();
    }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        if (SaveFreq is null) Save();
    }

    internal override void OnInterrupted() => Save();

    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (DeleteCheckpoint && File.Exists(BackupPath)) File.Delete(BackupPath);
    }

    private void Save()
    {
        Directory.CreateDirectory(BackupDir);
        RequireModel().SaveTrainingCheckpoint(BackupPath, Siblings);
    }
}
