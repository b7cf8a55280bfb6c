using Engine.Metrics;
using Engine.Tensors;
using static Engine.Tests.Metrics.MetricTestData;

namespace Engine.Tests.Metrics;

/// <summary>Precision, recall and F1 against values worked out by hand (they equal sklearn's
/// precision_score / recall_score / f1_score with the same average).</summary>
public class ClassCountsMetricTests
{
    // Multi-label, 4 samples × 3 labels, threshold 0.5.
    // predicted: [1,0,1] [1,1,0] [0,1,1] [0,0,0];  true: [1,0,0] [1,0,0] [1,1,1] [0,1,0]
    // label 0: tp 2 fp 0 fn 1;  label 1: tp 1 fp 1 fn 1;  label 2: tp 1 fp 1 fn 0
    private static readonly Tensor P = Matrix([[0.9, 0.2, 0.6], [0.8, 0.7, 0.1], [0.3, 0.6, 0.9], [0.1, 0.4, 0.2]]);
    private static readonly Tensor T = Matrix([[1, 0, 0], [1, 0, 0], [1, 1, 1], [0, 1, 0]]);

    private static double Run(Metric m, Tensor yTrue, Tensor yPred, Tensor? w = null)
    {
        using (m)
        {
            m.Update(yTrue, yPred, w);
            return m.Result();
        }
    }

    [Fact]
    public void Multi_label_micro_pools_all_labels()
    {
        // tp 4, fp 2, fn 2
        Assert.Equal(4.0 / 6, Run(new Precision(TargetKind.Binary), T, P), 12);
        Assert.Equal(4.0 / 6, Run(new Recall(TargetKind.Binary), T, P), 12);
        Assert.Equal(8.0 / 12, Run(new F1(TargetKind.Binary), T, P), 12); // 2·4 / (2·4 + 2 + 2)
    }

    [Fact]
    public void Multi_label_macro_averages_per_label_scores()
    {
        // precision [2/2, 1/2, 1/2]; recall [2/3, 1/2, 1/1]; F1 [4/5, 2/4, 2/3]
        Assert.Equal((1 + 0.5 + 0.5) / 3, Run(new Precision(TargetKind.Binary, Averaging.Macro), T, P), 12);
        Assert.Equal((2.0 / 3 + 0.5 + 1) / 3, Run(new Recall(TargetKind.Binary, Averaging.Macro), T, P), 12);
        Assert.Equal((0.8 + 0.5 + 2.0 / 3) / 3, Run(new F1(TargetKind.Binary, Averaging.Macro), T, P), 12);
    }

    [Fact]
    public void Per_label_scores_and_counts()
    {
        using var f1 = new F1(TargetKind.Binary);
        f1.Update(T, P);
        TestData.AssertClose([0.8, 0.5, 2.0 / 3], f1.ResultPerClass(), 1e-12, 1e-12, "per-label F1");
        var (tp, fp, fn) = f1.Counts();
        Assert.Equal([2.0, 1, 1], tp);
        Assert.Equal([0.0, 1, 1], fp);
        Assert.Equal([1.0, 1, 0], fn);
    }

    [Fact]
    public void Weights_scale_each_samples_counts()
    {
        // weights 1, 2, 1, 1: label 0 tp 3 fn 1; label 1 tp 1 fp 2 fn 1; label 2 tp 1 fp 1 -> tp 5, fp 3, fn 2
        Assert.Equal(5.0 / 8, Run(new Precision(TargetKind.Binary), T, P, Weights(1, 2, 1, 1)), 12);
        Assert.Equal(5.0 / 7, Run(new Recall(TargetKind.Binary), T, P, Weights(1, 2, 1, 1)), 12);
    }

    // Multi-class, 6 samples: predicted classes 0 1 2 2 1 0, labels 0 1 1 2 0 0.
    // class 0: tp 2 (rows 0, 5) fn 1 (row 4);  class 1: tp 1 fp 1 (row 4) fn 1 (row 2);  class 2: tp 1 fp 1 (row 2)
    private static readonly Tensor Scores = Matrix([[5, 1, 0], [0, 3, 1], [0, 1, 2], [1, 0, 4], [0, 2, 1], [3, 1, 2]]);
    private static readonly int[] ClassLabels = [0, 1, 1, 2, 0, 0];

    [Fact]
    public void Multi_class_uses_the_argmax()
    {
        Assert.Equal((1 + 0.5 + 0.5) / 3, Run(new Precision(TargetKind.SparseCategorical, Averaging.Macro), Labels(ClassLabels), Scores), 12);
        Assert.Equal((2.0 / 3 + 0.5 + 1) / 3, Run(new Recall(TargetKind.Categorical, Averaging.Macro), OneHot(3, ClassLabels), Scores), 12);
        Assert.Equal((0.8 + 0.5 + 2.0 / 3) / 3, Run(new F1(TargetKind.SparseCategorical, Averaging.Macro), Labels(ClassLabels), Scores), 12);
        // micro = accuracy for single-label classes: 4 of 6
        Assert.Equal(4.0 / 6, Run(new F1(TargetKind.SparseCategorical), Labels(ClassLabels), Scores), 12);
    }

    [Fact]
    public void Classes_never_seen_score_zero_and_count_in_the_macro_mean()
    {
        // 4 classes, class 3 never predicted nor present: precision [1, 1/2, 1/2, 0] -> 2/4
        var scores = Matrix([[5, 1, 0, -1], [0, 3, 1, -1], [0, 1, 2, -1], [1, 0, 4, -1], [0, 2, 1, -1], [3, 1, 2, -1]]);
        Assert.Equal(0.5, Run(new Precision(TargetKind.SparseCategorical, Averaging.Macro), Labels(ClassLabels), scores), 12);
    }

    [Fact]
    public void Reset_clears_the_counts()
    {
        using var m = new Precision(TargetKind.Binary);
        m.Update(T, P);
        m.Reset();
        Assert.Equal(0, m.Result());
        Assert.Empty(m.ResultPerClass());
        m.Update(Matrix([[1]]), Matrix([[0.9]]));
        Assert.Equal(1, m.Result());
    }

    [Fact]
    public void Changing_the_class_count_without_reset_is_an_error()
    {
        using var m = new Recall(TargetKind.Binary);
        m.Update(T, P);
        var e = Assert.Throws<InvalidOperationException>(() => m.Update(Matrix([[1]]), Matrix([[0.9]])));
        Assert.Contains("Reset", e.Message);
    }

    [Fact]
    public void FromName_names_and_averages()
    {
        Assert.Equal(Averaging.Micro, ((F1)Metric.FromName("f1", TargetKind.Binary)).Average);
        Assert.Equal(Averaging.Macro, ((F1)Metric.FromName("F1_macro", TargetKind.Binary)).Average);
        Assert.Equal("f1_macro", Metric.FromName("F1_macro", TargetKind.Binary).Name);
        Assert.IsType<Precision>(Metric.FromName("precision", TargetKind.Binary));
        Assert.IsType<Recall>(Metric.FromName("recall", TargetKind.SparseCategorical));
        Assert.Equal("acc", Metric.FromName("acc", TargetKind.Binary).Name);
        var e = Assert.Throws<ArgumentException>(() => Metric.FromName("mse", TargetKind.Binary));
        Assert.Contains("'mse'", e.Message);
        Assert.Contains("f1_macro", e.Message);
    }
}
