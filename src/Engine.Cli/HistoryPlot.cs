using ScottPlot;

namespace Engine.Cli;

/// <summary>Draws Keras-style learning curves (losses on the left axis, other metrics on the right)
/// from a training history and saves them as a PNG. Epochs are whole numbers on the x axis; each
/// series has its own colour (a metric and its val_ twin are a dark/light pair of Category20, the
/// val_ one dashed), and the legend sits right of the plot, never over the curves.</summary>
internal static class HistoryPlot
{
    public static void Save(IReadOnlyDictionary<string, IReadOnlyList<double>> history, string path, int width = 900, int height = 500) =>
        Build(history).SavePng(path, width, height);

    internal static Plot Build(IReadOnlyDictionary<string, IReadOnlyList<double>> history)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        var anyRight = false;
        var series = history.Where(kv => kv.Value.Count > 0 && kv.Key is not ("lr" or "learning_rate")).Select(kv => kv.Key).ToList();
        // One colour pair per metric (in name order), dark for training and light for validation.
        var metrics = series.Select(Base).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var name in series.Order(StringComparer.Ordinal))
        {
            var values = history[name];
            var epochs = Enumerable.Range(1, values.Count).Select(e => (double)e).ToArray();
            var ys = values.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray();
            var line = plot.Add.Scatter(epochs, ys);
            line.LegendText = name;
            var validation = name.StartsWith("val_", StringComparison.Ordinal);
            line.Color = palette.GetColor(2 * metrics.IndexOf(Base(name)) + (validation ? 1 : 0));
            if (validation) line.LinePattern = LinePattern.Dashed;
            if (!IsLoss(name))
            {
                line.Axes.YAxis = plot.Axes.Right;
                anyRight = true;
            }
        }
        plot.Title("Learning curves");
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.Label.Text = "loss";
        if (anyRight) plot.Axes.Right.Label.Text = "metric";
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static string Base(string name) => name.StartsWith("val_", StringComparison.Ordinal) ? name[4..] : name;

    private static bool IsLoss(string name) => name == "loss" || name == "val_loss" || name.EndsWith("_loss", StringComparison.Ordinal);
}
