using ScottPlot;

namespace Engine.Cli.Tests;

/// <summary>history.png: whole-number epoch ticks, a distinct colour per series, the legend outside the data area.</summary>
public class HistoryPlotTests
{
    private static Dictionary<string, IReadOnlyList<double>> MultiLabelHistory(int epochs)
    {
        var names = new[] { "loss", "accuracy", "precision", "recall", "f1", "auc" };
        var history = new Dictionary<string, IReadOnlyList<double>>();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            history[name] = Enumerable.Range(0, epochs).Select(e => 0.1 * i + 0.5 / (e + 1)).ToList();
            history["val_" + name] = Enumerable.Range(0, epochs).Select(e => 0.1 * i + 0.6 / (e + 1)).ToList();
        }
        return history;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(40)]
    public void EpochTicksAreWholeNumbers(int epochs)
    {
        var plot = HistoryPlot.Build(MultiLabelHistory(epochs));
        plot.GetImage(900, 500); // ticks are generated when the plot is laid out
        var ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position).ToArray();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(Math.Round(t), t));
    }

    [Fact]
    public void TwelveSeriesHaveTwelveColoursAndTheLegendIsOutsideTheCurves()
    {
        var plot = HistoryPlot.Build(MultiLabelHistory(5));
        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToArray();
        Assert.Equal(12, lines.Length);
        Assert.Equal(12, lines.Select(l => l.Color.ToHex()).Distinct().Count());
        // The in-plot legend is hidden; a legend panel on the right edge lists the series instead.
        Assert.False(plot.Legend.IsVisible);
        Assert.Contains(plot.Axes.GetPanels(), p => p.GetType().Name.Contains("Legend", StringComparison.Ordinal));
    }
}
