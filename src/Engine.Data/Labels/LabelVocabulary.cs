using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Data;

/// <summary>The names behind class or label indices, in index order. Saved next to a checkpoint so
/// that predictions can be printed with names. Two file forms are read and written: labels.json
/// (<c>{"labels": [...], "multi_label": false}</c>) and a plain text file with one name per line
/// (classes.txt).</summary>
public sealed class LabelVocabulary
{
    /// <summary>The file name <see cref="SaveNextTo"/> uses inside a checkpoint folder.</summary>
    public const string FileName = "labels.json";

    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;

    public LabelVocabulary(IEnumerable<string> names, bool multiLabel = false)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names.ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            var name = _names[i];
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"label {i} is empty; every label needs a name.", nameof(names));
            if (name != name.Trim() || name.Contains('\n') || name.Contains('\r'))
                throw new ArgumentException($"label {i} ('{name}') has leading/trailing spaces or a line break.", nameof(names));
            if (!_index.TryAdd(name, i))
                throw new ArgumentException($"label '{name}' appears twice (at {_index[name]} and {i}); label names must be unique.", nameof(names));
        }
        MultiLabel = multiLabel;
    }

    /// <summary>Distinct names in ordinal (byte-wise) order, as Keras and Python's sorted() order them.</summary>
    public static LabelVocabulary Sorted(IEnumerable<string> names, bool multiLabel = false) =>
        new(names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), multiLabel);

    public IReadOnlyList<string> Names => _names;

    public int Count => _names.Length;

    /// <summary>True for multi-label vocabularies (sigmoid outputs, several names per prediction).</summary>
    public bool MultiLabel { get; }

    public string this[int index] => (uint)index < (uint)_names.Length
        ? _names[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside the {_names.Length} labels.");

    /// <summary>The index of <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _index.GetValueOrDefault(name, -1);

    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>The names whose score reaches <paramref name="threshold"/> (multi-label predictions).</summary>
    public IReadOnlyList<string> Decode(ReadOnlySpan<float> scores, float threshold = 0.5f)
    {
        CheckScores(scores.Length);
        var names = new List<string>();
        for (var i = 0; i < scores.Length; i++)
            if (scores[i] >= threshold) names.Add(_names[i]);
        return names;
    }

    /// <summary>The <paramref name="k"/> best-scoring names, best first (ties: lower index first).</summary>
    public IReadOnlyList<(string Name, float Score)> TopK(ReadOnlySpan<float> scores, int k = 5)
    {
        CheckScores(scores.Length);
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var copy = scores.ToArray();
        Array.Sort(order, (a, b) => copy[b].CompareTo(copy[a]) is var c && c != 0 ? c : a.CompareTo(b));
        return order.Take(Math.Max(0, k)).Select(i => (_names[i], copy[i])).ToArray();
    }

    private void CheckScores(int length)
    {
        if (length != _names.Length)
            throw new ArgumentException($"received {length} scores for {_names.Length} labels; the model's output width must match the vocabulary.");
    }

    /// <summary>Writes the vocabulary: JSON when the path ends in .json, else one name per line. The
    /// file is written to a temporary name and renamed, so it is never seen half-written.</summary>
    public void Save(string path)
    {
        var text = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? JsonSerializer.Serialize(new VocabularyFile { Labels = _names, MultiLabel = MultiLabel }, JsonOptions)
            : string.Join('\n', _names) + "\n";
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    public static LabelVocabulary Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"label vocabulary not found: {Path.GetFullPath(path)}", path);
        var text = File.ReadAllText(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            VocabularyFile? file;
            try
            {
                file = JsonSerializer.Deserialize<VocabularyFile>(text, JsonOptions);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not a label vocabulary ({e.Message}); expected {{\"labels\": [\"name\", ...]}}.", e);
            }
            if (file?.Labels is null)
                throw new InvalidDataException($"{path}: no \"labels\" array; expected {{\"labels\": [\"name\", ...]}}.");
            return new LabelVocabulary(file.Labels, file.MultiLabel);
        }
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r').Trim()).Where(l => l.Length > 0);
        return new LabelVocabulary(lines);
    }

    /// <summary>Where the vocabulary of a checkpoint lives: inside the folder for a folder checkpoint
    /// ("runs/best/" gives "runs/best/labels.json"), beside the file otherwise ("model.safetensors"
    /// gives "model.labels.json").</summary>
    public static string PathNextTo(string checkpointPath)
    {
        if (Directory.Exists(checkpointPath) || checkpointPath.EndsWith('/') || checkpointPath.EndsWith(Path.DirectorySeparatorChar))
            return Path.Combine(checkpointPath, FileName);
        var dir = Path.GetDirectoryName(checkpointPath) ?? "";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(checkpointPath) + "." + FileName);
    }

    /// <summary>Saves to <see cref="PathNextTo"/>(checkpointPath) and returns that path.</summary>
    public string SaveNextTo(string checkpointPath)
    {
        var path = PathNextTo(checkpointPath);
        Save(path);
        return path;
    }

    public static LabelVocabulary LoadNextTo(string checkpointPath) => Load(PathNextTo(checkpointPath));

    public override string ToString() => $"LabelVocabulary({_names.Length} {(MultiLabel ? "labels" : "classes")}: {string.Join(", ", _names.Take(10))}{(_names.Length > 10 ? ", ..." : "")})";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private sealed class VocabularyFile
    {
        [JsonPropertyName("labels")]
        public string[]? Labels { get; set; }

        [JsonPropertyName("multi_label")]
        public bool MultiLabel { get; set; }
    }
}
