using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Engine.Callbacks;

/// <summary>Saves the model at the end of epochs (Keras's ModelCheckpoint). With
/// <c>saveBestOnly</c> only when the monitored value improves (mode "max" for accuracies, "min" for
/// losses; "auto" guesses from the name). The path may contain Keras's placeholders, e.g.
/// "ckpt-{epoch:02d}-{val_accuracy:.3f}.safetensors" (epoch counts from 1). Files are written via a
/// temporary file and a rename, so a crash never leaves a broken checkpoint.</summary>
public sealed partial class ModelCheckpoint : Callback
{
    private readonly Monitor _monitor;
    private double _best;

    public ModelCheckpoint(string filepath, string monitor = "val_loss", int verbose = 0, bool saveBestOnly = false,
        bool saveWeightsOnly = false, string mode = "auto", double? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filepath);
        Filepath = filepath;
        Verbose = verbose;
        SaveBestOnly = saveBestOnly;
        SaveWeightsOnly = saveWeightsOnly;
        _monitor = new Monitor(nameof(ModelCheckpoint), monitor, mode, 0);
        _best = initialValueThreshold ?? _monitor.Worst;
    }

    public string Filepath { get; }

    public int Verbose { get; }

    public bool SaveBestOnly { get; }

    public bool SaveWeightsOnly { get; }

    /// <summary>The best monitored value seen so far.</summary>
    public double Best => _best;

    /// <summary>The path of the last file written (null before the first save).</summary>
    public string? LastSavedPath { get; private set; }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        var model = RequireModel();
        var path = FormatPath(Filepath, epoch, logs);
        if (SaveBestOnly)
        {
            var current = _monitor.Read(logs);
            if (!_monitor.IsImprovement(current, _best))
            {
                if (Verbose > 0) Output.WriteLine($"\nEpoch {epoch + 1}: {_monitor.Name} did not improve from {Fixed5(_best)}");
                return;
            }
            if (Verbose > 0)
                Output.WriteLine($"\nEpoch {epoch + 1}: {_monitor.Name} improved from {Fixed5(_best)} to {Fixed5(current)}, saving model to {path}");
            _best = current;
        }
        else if (Verbose > 0) Output.WriteLine($"\nEpoch {epoch + 1}: saving model to {path}");

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        if (SaveWeightsOnly) model.SaveWeights(path);
        else model.Save(path);
        LastSavedPath = path;
    }

    /// <summary>Python's "%0.5f": 0.12346, inf, -inf, nan.</summary>
    private static string Fixed5(double v) =>
        double.IsNaN(v) ? "nan" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf") : v.ToString("0.00000", CultureInfo.InvariantCulture);

    /// <summary>Fills "{epoch:02d}", "{val_loss:.2f}", "{loss}" from the epoch (1-based) and logs.</summary>
    internal static string FormatPath(string template, int epoch, IReadOnlyDictionary<string, double> logs) =>
        Placeholder().Replace(template, m =>
        {
            var key = m.Groups[1].Value;
            var spec = m.Groups[2].Success ? m.Groups[2].Value : "";
            double value;
            if (key == "epoch") value = epoch + 1;
            else if (!logs.TryGetValue(key, out value))
                throw new InvalidOperationException($"ModelCheckpoint: the file path uses '{{{key}}}', which is not in the logs ({string.Join(", ", logs.Keys)}).");
            return FormatValue(value, spec);
        });

    private static string FormatValue(double v, string spec)
    {
        var inv = CultureInfo.InvariantCulture;
        var d = Regex.Match(spec, @"^0?(\d*)d$");
        if (d.Success) return ((long)v).ToString(inv).PadLeft(d.Groups[1].Value.Length == 0 ? 0 : int.Parse(d.Groups[1].Value, inv), '0');
        var f = Regex.Match(spec, @"^\.(\d+)f$");
        if (f.Success) return v.ToString("F" + f.Groups[1].Value, inv);
        return v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(inv) : v.ToString("R", inv);
    }

    [GeneratedRegex(@"\{(\w+)(?::([^}]*))?\}")]
    private static partial Regex Placeholder();

    public override CallbackState GetState() => new(new JsonObject { ["best"] = StateValues.Number(_best) });

    public override void SetState(CallbackState state) => _best = StateValues.Double(state, "best");
}
