using System.Globalization;

namespace Engine.Cli.Training;

/// <summary>Reads the history.csv that CsvLogger writes (epoch first, then one column per log key),
/// so the plot covers every epoch of a resumed run too.</summary>
internal static class HistoryCsv
{
    public static Dictionary<string, IReadOnlyList<double>> Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) return [];
        var header = lines[0].Split(',');
        var columns = header.Select(_ => new List<double>()).ToArray();
        foreach (var line in lines.Skip(1))
        {
            if (line == lines[0]) continue; // a header repeated by an appended resume
            var cells = line.Split(',');
            for (var c = 0; c < header.Length && c < cells.Length; c++)
                columns[c].Add(double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN);
        }
        return header.Select((h, i) => (h, i)).Where(x => x.h != "epoch").ToDictionary(x => x.h, x => (IReadOnlyList<double>)columns[x.i]);
    }

    /// <summary>A run killed after writing an epoch's row but before its backup trains that epoch
    /// again and appends the same row once more: keep the last row of each epoch (and one header).</summary>
    public static void KeepLastRowPerEpoch(string path)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) return;
        var rows = new SortedDictionary<int, string>();
        foreach (var line in lines.Skip(1))
        {
            if (line == lines[0]) continue;
            var first = line.Split(',')[0];
            if (int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)) rows[epoch] = line;
        }
        var text = string.Concat(new[] { lines[0] }.Concat(rows.Values).Select(l => l + "\n"));
        if (text != File.ReadAllText(path)) Serialization.AtomicFile.WriteAllText(path, text);
    }
}
