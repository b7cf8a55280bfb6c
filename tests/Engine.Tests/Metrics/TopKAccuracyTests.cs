using Engine.Metrics;
using static Engine.Tests.Metrics.MetricTestData;

namespace Engine.Tests.Metrics;

public class TopKAccuracyTests
{
    // labels 2, 3, 1: row 0's class 2 (0.3) has one higher score; row 1's class 3 (0.1) has three;
    // row 2 is a four-way tie (no score is higher).
    private static readonly Engine.Tensors.Tensor P = Matrix([[0.1, 0.5, 0.3, 0.1], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]]);

    [Theory]
    [InlineData(1, 1.0 / 3)] // only the tie
    [InlineData(2, 2.0 / 3)] // row 0 and the tie
    [InlineData(4, 1.0)]
    public void Counts_rows_whose_label_is_among_the_k_best(int k, double expected)
    {
        using var m = new TopKAccuracy(k);
        m.Update(Labels(2, 3, 1), P);
        Assert.Equal(expected, m.Result(), 12);
    }

    [Fact]
    public void Categorical_targets_and_weights()
    {
        using var m = new TopKAccuracy(2, TargetKind.Categorical);
        m.Update(OneHot(4, 2, 3, 1), P, Weights(1, 3, 1));
        Assert.Equal(0.4, m.Result(), 12); // (1 + 1) / 5
    }

    [Fact]
    public void Out_of_range_label_is_a_miss()
    {
        using var m = new TopKAccuracy(4);
        m.Update(Labels(7, 3, 1), P);
        Assert.Equal(2.0 / 3, m.Result(), 12);
    }

    [Fact]
    public void FromName_parses_topN()
    {
        var m = (TopKAccuracy)Metric.FromName("top3", TargetKind.SparseCategorical);
        Assert.Equal(3, m.K);
        Assert.Equal("top3", m.Name);
        Assert.Equal(5, ((TopKAccuracy)Metric.FromName("top_k_accuracy", TargetKind.Categorical)).K);
        Assert.Throws<ArgumentException>(() => Metric.FromName("top5", TargetKind.Binary));
    }
}
