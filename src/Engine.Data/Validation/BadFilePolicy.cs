namespace Engine.Data;

/// <summary>What a dataset does with a file it cannot use (truncated or corrupt image, unsupported
/// format, CSV row naming a missing file or an unknown label).</summary>
public enum BadFilePolicy
{
    /// <summary>Stop before training with a <see cref="DataValidationException"/> that lists the
    /// first problems (the default: bad data is usually a mistake worth seeing).</summary>
    Error,

    /// <summary>Leave the bad files out, log one warning with the count, and keep the list in
    /// <c>Skipped</c>.</summary>
    Skip,
}
