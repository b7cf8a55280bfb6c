using ScottPlot;

namespace Engine.Cli;

/// <summary>Draws Keras-style learning curves (losses on the left axis, other metrics on the right)
/// from a training history and saves them as a PNG.</summary>
internal static class HistoryPlot
{
    public static void Save(IReadOnlyDictionary<string, IReadOnlyList<double>> history, string path, int width = 900, int height = 500)
    {
        var plot = new Plot();
        var anyRight = false;
        foreach (var (name, values) in history.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (values.Count == 0 || name == "lr" || name == "learning_rate") continue;
            var epochs = Enumerable.Range(1, values.Count).Select(e => (double)e).ToArray();
            var ys = values.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray();
            var line = plot.Add.Scatter(epochs, ys);
            line.LegendText = name;
            if (name.StartsWith("val_", StringComparison.Ordinal)) line.LinePattern = LinePattern.Dashed;
            if (!IsLoss(name))
            {
                line.Axes.YAxis = plot.Axes.Right;
                anyRight = true;
            }
        }
        plot.Title("Learning curves");
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = "loss";
        if (anyRight) plot.Axes.Right.Label.Text = "metric";
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, width, height);
    }

    private static bool IsLoss(string name) => name == "loss" || name == "val_loss" || name.EndsWith("_loss", StringComparison.Ordinal);
}
