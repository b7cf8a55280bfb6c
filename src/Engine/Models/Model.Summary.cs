using System.Globalization;
using System.Text;
using Engine.Layers;
using Engine.Tensors;

namespace Engine.Models;

public partial class Model
{
    /// <summary>Prints Keras's summary table to <paramref name="output"/> (Console.Out by default):
    /// one row per layer with its output shape (channels-first, batch as None) and parameter
    /// count, then the total, trainable and non-trainable parameters. Functional models also get an
    /// input row and a "Connected to" column.</summary>
    public void Summary(TextWriter? output = null)
    {
        var w = output ?? Console.Out;
        w.Write(GetSummary());
        w.Flush();
    }

    /// <summary>The text that <see cref="Summary"/> prints.</summary>
    public string GetSummary()
    {
        RequireBuilt();
        var functional = this is not Sequential;
        var rows = new List<string[]>();
        if (functional && _input is not null)
            rows.Add([$"{_input.Name} ({_input.ClassName})", Layer.WithBatch(_input.Shape), "0", "-"]);
        var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        foreach (var node in _nodes)
        {
            var parent = node.Parent < 0 ? _input?.Name ?? "input" : _nodes[node.Parent].Layer.Name;
            var first = seen.Add(node.Layer);
            rows.Add([$"{node.Layer.Name} ({node.Layer.ClassName})", Layer.WithBatch(node.OutputShape),
                Count(first ? node.Layer.CountParams() : 0), $"{parent}[0][0]"]);
        }

        string[] headers = functional ? ["Layer (type)", "Output Shape", "Param #", "Connected to"] : ["Layer (type)", "Output Shape", "Param #"];
        var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length)) + 3).ToArray();
        var total = widths.Sum() + 1;
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(Name).Append("\"\n");
        sb.Append(new string('_', total)).Append('\n');
        sb.Append(Row(headers, widths)).Append('\n');
        sb.Append(new string('=', total)).Append('\n');
        foreach (var r in rows) sb.Append(Row(r, widths)).Append('\n');
        sb.Append(new string('=', total)).Append('\n');

        var weights = Weights;
        var trainable = Layers.SelectMany(l => l.TrainableWeights).ToList();
        var frozen = Layers.SelectMany(l => l.NonTrainableWeights).ToList();
        sb.Append($"Total params: {Count(weights.Sum(v => (long)v.Value.Size))} ({Bytes(weights)})\n");
        sb.Append($"Trainable params: {Count(trainable.Sum(v => (long)v.Value.Size))} ({Bytes(trainable)})\n");
        sb.Append($"Non-trainable params: {Count(frozen.Sum(v => (long)v.Value.Size))} ({Bytes(frozen)})\n");
        sb.Append(new string('_', total)).Append('\n');
        return sb.ToString();
    }

    private static string Row(string[] cells, int[] widths)
    {
        var sb = new StringBuilder(" ");
        for (var c = 0; c < widths.Length; c++) sb.Append(c == widths.Length - 1 ? cells[c] : cells[c].PadRight(widths[c]));
        return sb.ToString().TrimEnd();
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Keras's size note: "364.54 KB" (powers of 1024).</summary>
    private static string Bytes(IEnumerable<Variable> weights)
    {
        double bytes = weights.Sum(v => (long)v.Value.Size * v.Value.DType.SizeInBytes());
        string[] units = ["B", "KB", "MB", "GB"];
        var u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return bytes.ToString("0.00", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
