namespace Engine.Serialization;

/// <summary>A checkpoint file that cannot be read: truncated, corrupted, or not in the expected
/// format. The message names the file and what exactly was wrong. (System.IO.InvalidDataException
/// is sealed, so this derives from IOException: code that catches I/O failures around a load
/// catches this too.)</summary>
public sealed class CheckpointFormatException : IOException
{
    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"'{path}' is not a valid safetensors checkpoint: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file (or stream name) that was being read.</summary>
    public string FilePath { get; }

    /// <summary>What was wrong, without the file name.</summary>
    public string Problem { get; }
}
