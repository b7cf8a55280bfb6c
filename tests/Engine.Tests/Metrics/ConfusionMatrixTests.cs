using Engine.Metrics;
using Engine.Tensors;
using static Engine.Tests.Metrics.MetricTestData;

namespace Engine.Tests.Metrics;

public class ConfusionMatrixTests
{
    [Fact]
    public void Rows_are_true_classes_and_columns_predictions()
    {
        // predicted 0 1 2 2 1 0 against labels 0 1 1 2 0 0
        using var m = new ConfusionMatrix(TargetKind.SparseCategorical);
        m.Update(Labels(0, 1, 1, 2, 0, 0), Matrix([[5, 1, 0], [0, 3, 1], [0, 1, 2], [1, 0, 4], [0, 2, 1], [3, 1, 2]]));
        Assert.Equal(new double[,] { { 2, 1, 0 }, { 0, 1, 1 }, { 0, 0, 1 } }, m.Matrix());
        Assert.Equal(4.0 / 6, m.Result(), 12);
    }

    [Fact]
    public void Weighted_binary_matrix()
    {
        // p > 0.5: 1 0 1 0 against 1 1 0 0 with weights 1 2 3 4: tp 1, fn 2, fp 3, tn 4
        using var m = new ConfusionMatrix(TargetKind.Binary);
        m.Update(Tensor.FromArray([1f, 1f, 0f, 0f]), Tensor.FromArray([0.9f, 0.2f, 0.7f, 0.1f]), Weights(1, 2, 3, 4));
        Assert.Equal(new double[,] { { 4, 3 }, { 2, 1 } }, m.Matrix());
        Assert.Equal(0.5, m.Result(), 12);
    }

    [Fact]
    public void Multi_label_outputs_are_refused()
    {
        using var m = new ConfusionMatrix(TargetKind.Binary);
        Assert.Throws<ArgumentException>(() => m.Update(Matrix([[1, 0]]), Matrix([[0.9, 0.1]])));
    }

    [Fact]
    public void Empty_before_updates()
    {
        using var m = new ConfusionMatrix(TargetKind.Categorical);
        Assert.Empty(m.Matrix());
        Assert.Equal(0, m.Result());
    }
}
