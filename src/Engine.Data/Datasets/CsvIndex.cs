using System.Text;

namespace Engine.Data;

/// <summary>Reads a multi-label CSV file: one row per image, <c>path,labels</c>, the labels of a row
/// separated by '|' or ';' (either; a row may have none), paths relative to the CSV file's folder.
/// An optional header row (first column "path", "file", "filename", "image" or "filepath") is
/// skipped, as are blank lines and lines starting with '#'. Fields may be double-quoted (RFC 4180) so
/// paths can hold commas. The vocabulary is the given one or all labels in ordinal order.</summary>
internal static class CsvIndex
{
    private static readonly string[] HeaderNames = ["path", "file", "filename", "image", "filepath", "image_path"];

    public static IndexedSamples Scan(string csvPath, IReadOnlyList<string>? labels, bool fullDecode = false)
    {
        var csv = Path.GetFullPath(csvPath);
        if (!File.Exists(csv))
            throw new DataValidationException(csv, [new DataProblem(csv, Directory.Exists(csv)
                ? "is a directory; expected a CSV file with rows 'path,labels'"
                : "CSV file not found")]);
        var folder = Path.GetDirectoryName(csv)!;
        var vocabulary = labels is null ? null : new LabelVocabulary(labels, multiLabel: true);

        var rows = new List<(int Line, string Path, string[] Labels)>();
        var problems = new List<DataProblem>();
        var lines = File.ReadAllLines(csv);
        var first = true;
        for (var n = 0; n < lines.Length; n++)
        {
            var text = lines[n];
            if (string.IsNullOrWhiteSpace(text) || text.TrimStart().StartsWith('#')) continue;
            var line = n + 1;
            var fields = SplitFields(text, out var parseError);
            if (parseError is not null)
            {
                problems.Add(new DataProblem(csv, parseError, line));
                continue;
            }
            if (first)
            {
                first = false;
                if (HeaderNames.Contains(fields[0].Trim().ToLowerInvariant())) continue;
            }
            if (fields.Count != 2)
            {
                problems.Add(new DataProblem(csv, $"expected 2 columns (path,labels) but found {fields.Count}; quote paths that contain commas", line));
                continue;
            }
            var path = fields[0].Trim();
            if (path.Length == 0)
            {
                problems.Add(new DataProblem(csv, "the path column is empty", line));
                continue;
            }
            var rowLabels = fields[1].Split(['|', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Distinct(StringComparer.Ordinal).ToArray();
            var unknown = vocabulary is null ? [] : rowLabels.Where(l => !vocabulary.Contains(l)).ToArray();
            if (unknown.Length > 0)
            {
                problems.Add(new DataProblem(csv, $"unknown label{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; " +
                    $"the vocabulary has {vocabulary!.Count} labels: {string.Join(", ", vocabulary.Names.Take(10))}{(vocabulary.Count > 10 ? ", ..." : "")}", line));
                continue;
            }
            rows.Add((line, path, rowLabels));
        }

        // Files: missing or unsupported ones are reported against their CSV line, bad images by path.
        var candidates = new List<(int Line, string File, string[] Labels)>();
        foreach (var (line, path, rowLabels) in rows)
        {
            var file = Path.GetFullPath(Path.Combine(folder, path));
            if (!File.Exists(file))
                problems.Add(new DataProblem(csv, $"image file '{path}' not found (resolved to {file})", line));
            else if (!ImageFileCheck.IsSupportedExtension(file))
                problems.Add(new DataProblem(file, $"{ImageFileCheck.UnsupportedReason(file)} (line {line} of {Path.GetFileName(csv)})"));
            else
                candidates.Add((line, file, rowLabels));
        }
        var imageProblems = ImageFileCheck.Problems(candidates.Select(c => c.File).ToArray(), fullDecode);
        var good = new List<(string File, string[] Labels)>();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (imageProblems[i] is { } reason)
                problems.Add(new DataProblem(candidates[i].File, $"{reason} (line {candidates[i].Line} of {Path.GetFileName(csv)})"));
            else
                good.Add((candidates[i].File, candidates[i].Labels));
        }

        vocabulary ??= LabelVocabulary.Sorted(good.SelectMany(g => g.Labels), multiLabel: true);
        var index = new IndexedSamples { Vocabulary = vocabulary };
        index.Problems.AddRange(problems.OrderBy(p => p.Line ?? int.MaxValue));
        foreach (var (file, rowLabels) in good)
        {
            index.Paths.Add(file);
            index.LabelSets.Add(rowLabels.Select(vocabulary.IndexOf).Order().ToArray());
        }
        return index;
    }

    /// <summary>Splits one CSV line into fields, honouring double quotes ("" inside quotes is a quote).</summary>
    private static List<string> SplitFields(string line, out string? error)
    {
        error = null;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"' && field.ToString().Trim().Length == 0) { field.Clear(); quoted = true; }
            else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(ch);
        }
        if (quoted) error = "a quoted field is not closed (missing '\"')";
        fields.Add(field.ToString());
        return fields;
    }
}
