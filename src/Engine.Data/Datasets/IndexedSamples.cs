namespace Engine.Data;

/// <summary>The result of scanning a directory tree or CSV file: the usable image files with their
/// label indices, the label vocabulary, and everything that was wrong.</summary>
internal sealed class IndexedSamples
{
    public required LabelVocabulary Vocabulary { get; init; }

    public List<string> Paths { get; } = [];

    /// <summary>One class per sample (directories) ...</summary>
    public List<int> Classes { get; } = [];

    /// <summary>... or a set of labels per sample (CSV).</summary>
    public List<int[]> LabelSets { get; } = [];

    /// <summary>Bad files and rows (skippable).</summary>
    public List<DataProblem> Problems { get; } = [];

    /// <summary>Classes left without images (a warning when skipping, a problem otherwise).</summary>
    public List<DataProblem> EmptyClasses { get; } = [];
}
