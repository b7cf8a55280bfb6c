namespace Engine.Data;

/// <summary>A single sample could not be loaded (its file vanished, changed or does not decode).
/// Datasets catch it and apply their <see cref="BadFilePolicy"/>; it never escapes them.</summary>
internal sealed class SampleLoadException(DataProblem problem, Exception? inner = null)
    : Exception(problem.ToString(), inner)
{
    public DataProblem Problem { get; } = problem;
}
