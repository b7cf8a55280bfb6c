namespace Engine.Callbacks;

/// <summary>Makes an interrupted Fit resumable (Keras's BackupAndRestore). At the end of every epoch
/// it writes one checkpoint with everything training depends on: weights (batch-norm statistics
/// included), optimizer state, the training random stream, the number of finished epochs and the
/// state of the other callbacks. When Fit starts and a backup exists, all of that is restored and
/// training continues with the next epoch; on the CPU the result is bitwise the same as a run that
/// was never interrupted. The backup is deleted when Fit completes (unless deleteCheckpoint is false).</summary>
public sealed class BackupAndRestore : Callback
{
    public BackupAndRestore(string backupDir, bool deleteCheckpoint = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupDir);
        BackupDir = backupDir;
        DeleteCheckpoint = deleteCheckpoint;
    }

    public string BackupDir { get; }

    public bool DeleteCheckpoint { get; }

    /// <summary>The checkpoint file inside <see cref="BackupDir"/>.</summary>
    public string BackupPath => Path.Combine(BackupDir, "backup.safetensors");

    /// <summary>The epoch (number of finished epochs) restored at the start of the last Fit, if any.</summary>
    public int? RestoredEpoch { get; private set; }

    internal override bool RunsLast => true;

    public override void OnTrainBegin()
    {
        RestoredEpoch = null;
        if (!File.Exists(BackupPath)) return;
        var model = RequireModel();
        RestoredEpoch = model.RestoreTrainingCheckpoint(BackupPath, Siblings);
    }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        Directory.CreateDirectory(BackupDir);
        RequireModel().SaveTrainingCheckpoint(BackupPath, Siblings);
    }

    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (DeleteCheckpoint && File.Exists(BackupPath)) File.Delete(BackupPath);
    }
}
