using Engine.Metrics;
using Engine.Tensors;
using static Engine.Tests.Metrics.MetricTestData;

namespace Engine.Tests.Metrics;

public class AccuracyTests
{
    // argmax per row: 1, 0, 2, 1; labels 1, 2, 2, 0 -> hits 1, 0, 1, 0
    private static readonly Tensor Scores = Matrix([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]]);

    [Fact]
    public void Sparse_accuracy_counts_argmax_hits()
    {
        using var m = new Accuracy(TargetKind.SparseCategorical);
        m.Update(Labels(1, 2, 2, 0), Scores);
        Assert.Equal(0.5, m.Result(), 12); // 2 of 4
    }

    [Fact]
    public void Sample_weights_weight_each_row()
    {
        using var m = new Accuracy(TargetKind.SparseCategorical);
        m.Update(Labels(1, 2, 2, 0), Scores, Weights(1, 2, 3, 4));
        Assert.Equal(0.4, m.Result(), 12); // (1 + 3) / (1 + 2 + 3 + 4)
    }

    [Fact]
    public void Updates_accumulate_and_reset_starts_over()
    {
        using var m = new Accuracy(TargetKind.SparseCategorical);
        m.Update(Labels(1, 2, 2, 0), Scores);
        m.Update(Labels(0), Matrix([[0.9, 0.05, 0.05]]));
        Assert.Equal(0.6, m.Result(), 12); // 3 of 5
        m.Reset();
        Assert.Equal(0, m.Result());
        m.Update(Labels(0), Matrix([[0.9, 0.05, 0.05]]));
        Assert.Equal(1, m.Result());
    }

    [Fact]
    public void Categorical_accuracy_compares_argmaxes_and_ignores_scale()
    {
        using var m = new Accuracy(TargetKind.Categorical);
        m.Update(OneHot(3, 1, 2, 2, 0), Scores);
        Assert.Equal(0.5, m.Result(), 12);
        // logits instead of probabilities: same argmax, same accuracy
        using var logits = new Accuracy(TargetKind.Categorical);
        logits.Update(OneHot(3, 1, 2, 2, 0), Matrix([[-3, 4, 0], [2, 1, 0], [0, 0, 9], [-1, 5, -1]]));
        Assert.Equal(0.5, logits.Result(), 12);
    }

    [Fact]
    public void Ties_go_to_the_first_class_as_argmax_does()
    {
        using var m = new Accuracy(TargetKind.SparseCategorical);
        m.Update(Labels(1), Matrix([[0.4, 0.4, 0.2]]));
        Assert.Equal(0, m.Result());
    }

    [Fact]
    public void Binary_accuracy_thresholds_each_label_and_averages_per_sample()
    {
        var p = Matrix([[0.6, 0.4], [0.2, 0.9], [0.5, 0.51]]);
        var t = Matrix([[1, 0], [1, 1], [0, 1]]);
        // rows: [hit, hit] = 1; [miss, hit] = 0.5; [0.5 is not > 0.5 so 0 == 0 hit, hit] = 1 -> 2.5 / 3
        using var m = new Accuracy(TargetKind.Binary);
        m.Update(t, p);
        Assert.Equal(2.5 / 3, m.Result(), 12);
        // threshold 0.7: [miss, hit], [miss, hit], [hit, miss] -> 0.5
        using var strict = new Accuracy(TargetKind.Binary, threshold: 0.7);
        strict.Update(t, p);
        Assert.Equal(0.5, strict.Result(), 12);
    }

    [Fact]
    public void Binary_accuracy_accepts_a_single_output_vector()
    {
        using var m = new Accuracy(TargetKind.Binary);
        m.Update(Tensor.FromArray([1f, 0f, 1f, 1f]), Tensor.FromArray([0.9f, 0.1f, 0.3f, 0.7f]));
        Assert.Equal(0.75, m.Result(), 12);
    }

    [Fact]
    public void Float64_predictions_and_float_labels_work()
    {
        using var m = new Accuracy(TargetKind.SparseCategorical);
        m.Update(Tensor.FromArray([1.0, 2.0]), Tensor.FromArray([0.1, 0.9, 0.0, 0.2, 0.3, 0.5], 2, 3));
        Assert.Equal(1, m.Result());
    }

    [Fact]
    public void Shape_errors_say_what_was_expected()
    {
        using var m = new Accuracy(TargetKind.SparseCategorical);
        var e = Assert.Throws<ArgumentException>(() => m.Update(Labels(1, 2, 0), Scores));
        Assert.Contains("(4,)", e.Message);
        Assert.Contains("(3,)", e.Message);
        e = Assert.Throws<ArgumentException>(() => m.Update(Labels(1, 2, 2, 0), Scores, Weights(1, 2)));
        Assert.Contains("sample weight", e.Message);
        using var c = new Accuracy(TargetKind.Categorical);
        e = Assert.Throws<ArgumentException>(() => c.Update(OneHot(4, 0, 1, 2, 3), Scores));
        Assert.Contains("(4, 3)", e.Message);
    }
}
