namespace Engine.Data;

/// <summary>Raised before any batch is produced when the input data has problems; the message lists
/// the first <see cref="MaxListed"/> of them with file path and reason, <see cref="Problems"/> has
/// them all. Nothing on disk is touched by the check.</summary>
public sealed class DataValidationException : Exception
{
    public const int MaxListed = 10;

    public DataValidationException(string source, IReadOnlyList<DataProblem> problems, string? hint = null)
        : base(Format(source, problems, hint))
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>The directory, CSV file or idx file that was being read.</summary>
    public new string Source { get; }

    public IReadOnlyList<DataProblem> Problems { get; }

    /// <summary>The same problems with another closing hint (a CLI names its own option, not the library's).</summary>
    public DataValidationException WithHint(string hint) => new(Source, Problems, hint);

    private static string Format(string source, IReadOnlyList<DataProblem> problems, string? hint)
    {
        var w = new System.Text.StringBuilder();
        var count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
        w.Append($"Invalid input data in {source}: {count}");
        w.Append(problems.Count > MaxListed ? $" (the first {MaxListed} listed):" : ":");
        foreach (var p in problems.Take(MaxListed)) w.Append("\n  - ").Append(p);
        if (hint is not null) w.Append('\n').Append(hint);
        return w.ToString();
    }
}
