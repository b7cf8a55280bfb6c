using System.Globalization;
using System.Text;
using Engine.Layers;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>Keras's model summary as text (what Model.Summary prints): one row per layer with its
/// output shape (batch as None; channels-first, or channels-last when the model's Input is) and
/// parameter count, then the total, trainable and non-trainable parameters. Functional models also
/// get their input rows and a "Connected to" column ("conv2d[0][0]": layer, application, output). A
/// nested model is one row; when expanding, its layers follow it, indented (Keras's expand_nested).</summary>
internal static class SummaryTable
{
    public static string Render(Model model, bool expandNested)
    {
        var functional = model is not Sequential;
        var rows = new List<string[]>();
        AddRows(model, rows, functional, expandNested, depth: 0, model.IsChannelsLast);

        string[] headers = functional ? ["Layer (type)", "Output Shape", "Param #", "Connected to"] : ["Layer (type)", "Output Shape", "Param #"];
        var widths = headers.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length)) + 3).ToArray();
        var total = widths.Sum() + 1;
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(model.Name).Append("\"\n");
        sb.Append(new string('_', total)).Append('\n');
        sb.Append(Row(headers, widths)).Append('\n');
        sb.Append(new string('=', total)).Append('\n');
        foreach (var r in rows) sb.Append(Row(r.Take(headers.Length).ToArray(), widths)).Append('\n');
        sb.Append(new string('=', total)).Append('\n');

        var weights = model.Weights;
        var trainable = model.Layers.SelectMany(l => l.TrainableWeights).ToList();
        var frozen = model.Layers.SelectMany(l => l.NonTrainableWeights).ToList();
        sb.Append($"Total params: {Count(weights.Sum(v => (long)v.Value.Size))} ({Bytes(weights)})\n");
        sb.Append($"Trainable params: {Count(trainable.Sum(v => (long)v.Value.Size))} ({Bytes(trainable)})\n");
        sb.Append($"Non-trainable params: {Count(frozen.Sum(v => (long)v.Value.Size))} ({Bytes(frozen)})\n");
        sb.Append(new string('_', total)).Append('\n');
        return sb.ToString();
    }

    /// <summary>One row per input (functional) and per layer, continuation rows for further
    /// connections, and, when expanding, the rows of nested models indented below theirs.</summary>
    private static void AddRows(Model model, List<string[]> rows, bool functional, bool expandNested, int depth, bool channelsLast)
    {
        var nodes = model.Nodes;
        var inputs = model.Inputs;
        var indent = new string(' ', 2 * depth);
        string Shape(int[] s) => Layer.WithBatch(channelsLast ? Input.ToChannelsLast(s) : s);
        if (functional)
            foreach (var input in inputs)
                rows.Add([$"{indent}{input.Name} ({input.ClassName})", Layer.WithBatch(input.Shape), "0", "-"]);
        // Keras names a connection layer[application][output]: count each layer's applications.
        var application = new int[nodes.Count];
        var applications = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < nodes.Count; i++)
        {
            applications.TryGetValue(nodes[i].Layer, out var k);
            application[i] = k;
            applications[nodes[i].Layer] = k + 1;
        }
        string Source(int p) => p < 0 ? $"{inputs.ElementAtOrDefault(-1 - p)?.Name ?? "input"}[0][0]" : $"{nodes[p].Layer.Name}[{application[p]}][0]";

        foreach (var layer in model.Layers)
        {
            var own = Enumerable.Range(0, nodes.Count).Where(i => ReferenceEquals(nodes[i].Layer, layer)).ToList();
            var connections = own.SelectMany(i => nodes[i].Parents.Select(Source)).ToList();
            rows.Add([$"{indent}{layer.Name} ({layer.ClassName})", Shape(nodes[own[0]].OutputShape), Count(layer.CountParams()),
                connections.Count > 0 ? connections[0] + (connections.Count > 1 ? "," : "") : "-"]);
            for (var c = 1; c < connections.Count; c++)
                rows.Add(["", "", "", connections[c] + (c < connections.Count - 1 ? "," : "")]);
            if (expandNested && layer is NestedModel nested)
                AddRows(nested.Model, rows, functional, expandNested, depth + 1, channelsLast);
        }
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
