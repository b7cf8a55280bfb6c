using System.Globalization;
using Engine.Data;
using Engine.Metrics;
using Engine.Tensors;
using Spectre.Console;

namespace Engine.Cli.Commands;

/// <summary>The evaluate report's tables, built on the library's metrics: a confusion matrix for
/// classes, or per-label precision / recall / F1 (threshold 0.5) for multi-label models.</summary>
internal sealed class OutcomeCounts(int classes, bool multiLabel) : IDisposable
{
    private ConfusionMatrix? _confusion;
    private readonly Precision _precision = new(TargetKind.Binary);
    private readonly Recall _recall = new(TargetKind.Binary);
    private readonly F1 _f1 = new(TargetKind.Binary);

    /// <summary>Adds a batch: probabilities (rows × classes) and its targets (int labels, one-hot or multi-hot).</summary>
    public void Add(float[] probs, Tensor y)
    {
        using var p = Tensor.FromArray(probs, new Shape(probs.Length / classes, classes));
        if (multiLabel)
        {
            foreach (var metric in new ClassCountsMetric[] { _precision, _recall, _f1 }) metric.Update(y, p);
            return;
        }
        _confusion ??= new ConfusionMatrix(y.DType == DType.Int32 ? TargetKind.SparseCategorical : TargetKind.Categorical);
        _confusion.Update(y, p);
    }

    /// <summary>Rows are true classes, columns predictions (as scikit-learn prints it).</summary>
    public Table ConfusionTable(LabelVocabulary names)
    {
        var m = _confusion?.Matrix() ?? new double[0, 0];
        var table = new Table().Title("Confusion matrix (rows: true class, columns: predicted)").AddColumn("true \\ pred");
        for (var c = 0; c < classes; c++) table.AddColumn(new TableColumn(Markup.Escape(names[c])).RightAligned());
        for (var t = 0; t < m.GetLength(0); t++)
        {
            var cells = new List<string> { Markup.Escape(names[t]) };
            for (var p = 0; p < m.GetLength(1); p++)
            {
                var count = m[t, p].ToString(CultureInfo.InvariantCulture);
                cells.Add(t == p ? $"[bold]{count}[/]" : count);
            }
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    /// <summary>Precision, recall and F1 per label, most frequent labels first (at most 30 rows).</summary>
    public Table PerLabelTable(LabelVocabulary names)
    {
        var table = new Table().Title("Per label (threshold 0.5)").AddColumn("label").AddColumn("support").AddColumn("precision").AddColumn("recall").AddColumn("F1");
        var (tp, _, fn) = _recall.Counts();
        if (tp.Length == 0) return table;
        var (precision, recall, f1) = (_precision.ResultPerClass(), _recall.ResultPerClass(), _f1.ResultPerClass());
        foreach (var l in Enumerable.Range(0, tp.Length).OrderByDescending(l => tp[l] + fn[l]).Take(30))
            table.AddRow(Markup.Escape(names[l]), (tp[l] + fn[l]).ToString(CultureInfo.InvariantCulture),
                precision[l].ToString("0.000", CultureInfo.InvariantCulture), recall[l].ToString("0.000", CultureInfo.InvariantCulture), f1[l].ToString("0.000", CultureInfo.InvariantCulture));
        return table;
    }

    public void Dispose()
    {
        _confusion?.Dispose();
        _precision.Dispose();
        _recall.Dispose();
        _f1.Dispose();
    }
}
