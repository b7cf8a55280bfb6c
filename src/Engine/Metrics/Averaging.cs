namespace Engine.Metrics;

/// <summary>How per-class (per-label) values are combined into one number, as sklearn's average=.</summary>
public enum Averaging
{
    /// <summary>Sum the counts of all classes first, then compute the ratio once.</summary>
    Micro,

    /// <summary>Compute the value per class, then take the unweighted mean over all classes.</summary>
    Macro,
}
