using System.Globalization;
using Engine.Data;
using Engine.Tensors;
using Spectre.Console;

namespace Engine.Cli.Commands;

/// <summary>Host-side tallies for the evaluate report: a confusion matrix for classes, or true/false
/// positives and false negatives per label (threshold 0.5) for multi-label models.</summary>
internal sealed class OutcomeCounts(int classes, bool multiLabel)
{
    private readonly long[,] _confusion = new long[classes, classes];
    private readonly long[] _tp = new long[classes], _fp = new long[classes], _fn = new long[classes];

    public void Add(float[] probs, Tensor y)
    {
        if (multiLabel)
        {
            var t = y.ToFloatArray();
            for (var i = 0; i < probs.Length; i++)
            {
                var (pred, truth, label) = (probs[i] >= 0.5f, t[i] >= 0.5f, i % classes);
                if (pred && truth) _tp[label]++;
                else if (pred) _fp[label]++;
                else if (truth) _fn[label]++;
            }
            return;
        }
        var labels = y.DType == DType.Int32 ? y.ToArray<int>() : ArgmaxRows(y.ToFloatArray());
        for (var r = 0; r < labels.Length; r++)
        {
            var row = probs.AsSpan(r * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            _confusion[labels[r], best]++;
        }
    }

    private int[] ArgmaxRows(float[] v)
    {
        var rows = v.Length / classes;
        var result = new int[rows];
        for (var r = 0; r < rows; r++)
            for (var c = 1; c < classes; c++)
                if (v[r * classes + c] > v[r * classes + result[r]]) result[r] = c;
        return result;
    }

    /// <summary>Rows are true classes, columns predictions (as scikit-learn prints it).</summary>
    public Table ConfusionTable(LabelVocabulary names)
    {
        var table = new Table().Title("Confusion matrix (rows: true class, columns: predicted)").AddColumn("true \\ pred");
        for (var c = 0; c < classes; c++) table.AddColumn(new TableColumn(Markup.Escape(names[c])).RightAligned());
        for (var t = 0; t < classes; t++)
        {
            var cells = new List<string> { Markup.Escape(names[t]) };
            for (var p = 0; p < classes; p++)
                cells.Add(t == p ? $"[bold]{_confusion[t, p]}[/]" : _confusion[t, p].ToString(CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    /// <summary>Precision, recall and F1 per label, most frequent labels first (at most 30 rows).</summary>
    public Table PerLabelTable(LabelVocabulary names)
    {
        var table = new Table().Title("Per label (threshold 0.5)").AddColumn("label").AddColumn("support").AddColumn("precision").AddColumn("recall").AddColumn("F1");
        var order = Enumerable.Range(0, classes).OrderByDescending(l => _tp[l] + _fn[l]).Take(30);
        foreach (var l in order)
        {
            var precision = _tp[l] + _fp[l] == 0 ? 0 : (double)_tp[l] / (_tp[l] + _fp[l]);
            var recall = _tp[l] + _fn[l] == 0 ? 0 : (double)_tp[l] / (_tp[l] + _fn[l]);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            table.AddRow(Markup.Escape(names[l]), (_tp[l] + _fn[l]).ToString(CultureInfo.InvariantCulture),
                precision.ToString("0.000", CultureInfo.InvariantCulture), recall.ToString("0.000", CultureInfo.InvariantCulture), f1.ToString("0.000", CultureInfo.InvariantCulture));
        }
        return table;
    }
}
