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
}
