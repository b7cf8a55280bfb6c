using Engine.Metrics;
using Engine.Tensors;
using static Engine.Tests.Metrics.MetricTestData;

namespace Engine.Tests.Metrics;

/// <summary>ROC AUC. With distinct scores more than 1/199 apart, Keras's 200-threshold curve passes
/// through every corner of the exact ROC curve, so the values equal sklearn's roc_auc_score
/// (= the fraction of positive/negative pairs ranked correctly, ties counting one half).</summary>
public class AucTests
{
    private static double Auc(Metric m, Tensor yTrue, Tensor yPred, Tensor? w = null)
    {
        using (m)
        {
            m.Update(yTrue, yPred, w);
            return m.Result();
        }
    }

    [Fact]
    public void Classic_example_gives_three_quarters()
    {
        // positives 0.35, 0.8; negatives 0.1, 0.4: 3 of 4 pairs ordered correctly
        Assert.Equal(0.75, Auc(new Auc(), Tensor.FromArray([0f, 0f, 1f, 1f]), Tensor.FromArray([0.1f, 0.4f, 0.35f, 0.8f])), 9);
    }

    [Fact]
    public void Ties_count_one_half()
    {
        Assert.Equal(0.5, Auc(new Auc(), Tensor.FromArray([0f, 1f]), Tensor.FromArray([0.5f, 0.5f])), 12);
    }

    [Fact]
    public void Weights_act_like_repeated_samples()
    {
        // the positive 0.35 counted twice: pairs (0.35 > 0.1)·2 + (0.8 > both)·2 = 4 of 3·2
        Assert.Equal(4.0 / 6, Auc(new Auc(), Tensor.FromArray([0f, 0f, 1f, 1f]), Tensor.FromArray([0.1f, 0.4f, 0.35f, 0.8f]), Weights(1, 1, 2, 1)), 9);
    }

    // label 0 as above (0.75); label 1: positives 0.9, 0.6 above negatives 0.2, 0.3 (1.0)
    private static readonly Tensor T = Matrix([[0, 1], [0, 0], [1, 1], [1, 0]]);
    private static readonly Tensor P = Matrix([[0.1, 0.9], [0.4, 0.2], [0.35, 0.6], [0.8, 0.3]]);

    [Fact]
    public void Multi_label_macro_and_micro()
    {
        Assert.Equal(0.875, Auc(new Auc(), T, P), 9); // (0.75 + 1) / 2
        // pooled: positives 0.35, 0.8, 0.9, 0.6 vs negatives 0.1, 0.4, 0.2, 0.3: 15 of 16 pairs (0.35 < 0.4)
        Assert.Equal(15.0 / 16, Auc(new Auc(average: Averaging.Micro), T, P), 9);
        using var m = new Auc();
        m.Update(T, P);
        TestData.AssertClose([0.75, 1.0], m.ResultPerLabel(), 1e-9, 0, "per-label AUC");
    }

    [Fact]
    public void Multi_class_one_vs_rest_from_sparse_labels()
    {
        // class 0: positive 0.7 above 0.2, 0.1, 0.5 -> 1; class 2: positive 0.6 above 0.1, 0.3, 0.3 -> 1
        // class 1: positives 0.5, 0.2 vs negatives 0.2, 0.3 -> (1 + 1 + ½ + 0) / 4 = 0.625
        var p = Matrix([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.2, 0.3]]);
        Assert.Equal((1 + 0.625 + 1) / 3, Auc(new Auc(TargetKind.SparseCategorical), Labels(0, 1, 2, 1), p), 9);
        Assert.Equal((1 + 0.625 + 1) / 3, Auc(new Auc(TargetKind.Categorical), OneHot(3, 0, 1, 2, 1), p), 9);
    }

    [Fact]
    public void Accumulates_over_batches_like_one_big_batch()
    {
        using var split = new Auc();
        split.Update(Tensor.FromArray([0f, 0f]), Tensor.FromArray([0.1f, 0.4f]));
        split.Update(Tensor.FromArray([1f, 1f]), Tensor.FromArray([0.35f, 0.8f]));
        Assert.Equal(0.75, split.Result(), 9);
    }

    [Fact]
    public void Coarse_thresholds_follow_keras_interpolation()
    {
        // 3 thresholds: -1e-7, 0.5, 1+1e-7. Points (fpr, tpr): (1, 1), (1/2, 1/2) [0.4 and 0.35 are below 0.5], (0, 0)
        // area = (1 - 0.5)·(1 + 0.5)/2 + (0.5 - 0)·(0.5 + 0)/2 = 0.375 + 0.125 = 0.5
        Assert.Equal(0.5, Auc(new Auc(numThresholds: 3), Tensor.FromArray([0f, 0f, 1f, 1f]), Tensor.FromArray([0.1f, 0.6f, 0.35f, 0.8f])), 12);
    }
}
