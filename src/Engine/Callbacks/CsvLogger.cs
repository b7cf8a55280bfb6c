using System.Globalization;
using System.Text;

namespace Engine.Callbacks;

/// <summary>Appends one row per epoch to a CSV file (Keras's CSVLogger): "epoch" (0-based, as in
/// Keras) then the logged values in sorted key order. With <c>append</c> an existing file is
/// continued (use that when resuming).</summary>
public sealed class CsvLogger(string filename, string separator = ",", bool append = false) : Callback
{
    private string[]? _keys;
    private bool _headerWritten;

    public string Filename { get; } = filename ?? throw new ArgumentNullException(nameof(filename));

    public override void OnTrainBegin()
    {
        _keys = null;
        var exists = File.Exists(Filename) && new FileInfo(Filename).Length > 0;
        _headerWritten = append && exists;
        if (!append) File.WriteAllText(Filename, "");
        if (_headerWritten) _keys = File.ReadLines(Filename).First().Split(separator).Skip(1).ToArray();
    }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        _keys ??= logs.Keys.Order(StringComparer.Ordinal).ToArray();
        var sb = new StringBuilder();
        if (!_headerWritten)
        {
            sb.Append("epoch").Append(separator).AppendJoin(separator, _keys).Append('\n');
            _headerWritten = true;
        }
        sb.Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var k in _keys)
            sb.Append(separator).Append(logs.TryGetValue(k, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
        sb.Append('\n');
        File.AppendAllText(Filename, sb.ToString());
    }
}
