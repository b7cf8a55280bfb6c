namespace Engine.Data;

/// <summary>One thing wrong with the input data: the file (or folder, or CSV file with its line)
/// and the reason in words.</summary>
public sealed record DataProblem(string Path, string Reason, int? Line = null)
{
    public override string ToString() => Line is { } line ? $"{Path}, line {line}: {Reason}" : $"{Path}: {Reason}";
}
