namespace Engine.Training;

/// <summary>Where Fit is inside an epoch. A backup written mid-epoch (Ctrl-C, or BackupAndRestore with
/// a batch frequency) records it; a resumed Fit shuffles the epoch again from <see cref="EpochStart"/>
/// (the training stream as the epoch began), skips the <see cref="NextBatch"/> batches already
/// trained and goes on with the stream as it was after them, so it draws exactly what an
/// uninterrupted run draws. Updated in place by the fit loop: no allocation per step.</summary>
internal sealed class EpochProgress
{
    /// <summary>True while an epoch's batches are being trained (false between epochs).</summary>
    public bool InEpoch { get; set; }

    /// <summary>The epoch being trained (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>Batches of the epoch already trained: the index of the next one.</summary>
    public int NextBatch { get; set; }

    /// <summary>The training random stream's state when the epoch began (before its shuffle).</summary>
    public (ulong S0, ulong S1, ulong S2, ulong S3, double Spare) EpochStart { get; set; }
}
