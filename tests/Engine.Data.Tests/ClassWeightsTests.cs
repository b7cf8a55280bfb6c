using Engine.Tensors;

namespace Engine.Data.Tests;

public class ClassWeightsTests
{
    // Expected values are scikit-learn's formula n_samples / (n_classes * bincount(y)), worked by hand.

    [Fact]
    public void Balanced_matches_scikit_learn_for_a_known_list()
    {
        // compute_class_weight("balanced", classes=[0, 1, 2], y=[0, 0, 0, 1, 2, 2])
        // = 6 / (3 * [3, 1, 2]) = [0.6667, 2.0, 1.0]
        var w = ClassWeights.ComputeClassWeight("balanced", [0, 0, 0, 1, 2, 2]);
        Assert.Equal(3, w.Length);
        Assert.Equal(6.0 / 9, w[0], 12);
        Assert.Equal(2.0, w[1], 12);
        Assert.Equal(1.0, w[2], 12);
    }

    [Fact]
    public void Weights_align_with_the_sorted_distinct_labels()
    {
        // y = [7, 3, 7, 7]: classes [3, 7], weights 4 / (2 * [1, 3]) = [2.0, 0.6667]
        var w = ClassWeights.ComputeClassWeight("balanced", [7, 3, 7, 7]);
        Assert.Equal([2.0, 4.0 / 6], w);
        // An explicit class order reorders the weights.
        Assert.Equal([4.0 / 6, 2.0], ClassWeights.ComputeClassWeight("balanced", [7, 3, 7, 7], classes: [7, 3]));
    }

    [Fact]
    public void Weighted_counts_are_equal_across_classes()
    {
        int[] y = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2];
        var w = ClassWeights.ComputeClassWeight("balanced", y);
        for (var c = 0; c < 3; c++)
            Assert.Equal(y.Length / 3.0, w[c] * y.Count(l => l == c), 9);
    }

    [Fact]
    public void None_gives_ones_and_sample_weights_follow_the_class()
    {
        Assert.Equal([1.0, 1.0], ClassWeights.ComputeClassWeight(null, [4, 5, 5]));
        // y = [0, 1, 1, 2, 2, 2]: class weights 6 / (3 * [1, 2, 3]) = [2, 1, 0.6667], one per sample
        double[] expected = [2, 1, 1, 2 / 3.0, 2 / 3.0, 2 / 3.0];
        Assert.Equal(expected, ClassWeights.ComputeSampleWeight("balanced", [0, 1, 1, 2, 2, 2]).Select(v => (double)v), new Tolerance(1e-6));
    }

    [Fact]
    public void A_class_missing_from_y_is_an_error_like_scikit_learn()
    {
        var e = Assert.Throws<ArgumentException>(() => ClassWeights.ComputeClassWeight("balanced", [0, 0, 2], classes: [0, 1, 2]));
        Assert.Contains("classes should have valid labels that are in y", e.Message);
        var extra = Assert.Throws<ArgumentException>(() => ClassWeights.ComputeClassWeight("balanced", [0, 5], classes: [0, 1]));
        Assert.Contains("label 5", extra.Message);
        Assert.Throws<ArgumentException>(() => ClassWeights.ComputeClassWeight("auto", [0, 1]));
    }

    [Fact]
    public void Balanced_by_index_gives_absent_classes_zero()
    {
        Assert.Equal([0.75f, 0f, 1.5f], ClassWeights.Balanced([0, 0, 2], 3));
    }

    [Fact]
    public void Pos_weights_are_negatives_over_positives_with_a_cap()
    {
        // 4 samples, 3 labels: label 0 positive 1x (3/1 = 3), label 1 positive 4x (0/4 = 0), label 2 never (cap).
        float[] targets =
        [
            1, 1, 0,
            0, 1, 0,
            0, 1, 0,
            0, 1, 0,
        ];
        Assert.Equal([3f, 0f, 100f], PosWeights.FromMultiHot(targets, 3));
        Assert.Equal([2f, 0f, 2f], PosWeights.FromMultiHot(targets, 3, cap: 2));
        using var t = Tensor.FromArray(targets, 4, 3);
        Assert.Equal([3f, 0f, 10f], PosWeights.FromMultiHot(t, cap: 10));
    }

    [Fact]
    public void Pos_weights_for_a_sparse_thousand_label_problem_hit_the_cap()
    {
        // 1000 labels, each sample has labels i and i+1 (mod 1000): 2 positives of 1000 per sample.
        const int n = 500, labels = 1000;
        var targets = new float[n * labels];
        for (var i = 0; i < n; i++) { targets[i * labels + i] = 1; targets[i * labels + i + 1] = 1; }
        var w = PosWeights.FromMultiHot(targets, labels, cap: 300);
        Assert.Equal(300f, w[0]);     // 1 positive: 499 / 1, capped
        Assert.Equal(249f, w[5]);     // 2 positives (samples 4 and 5): 498 / 2
        Assert.Equal(300f, w[999]);   // never positive: the cap
        Assert.Equal(499, w.Count(v => v == 249f)); // labels 1..499 have two positives each
    }

    [Fact]
    public void Pos_weights_refuse_ragged_targets()
    {
        var e = Assert.Throws<ArgumentException>(() => PosWeights.FromMultiHot(new float[7], 3));
        Assert.Contains("7 values do not form rows of 3 labels", e.Message);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;

        public int GetHashCode(double v) => 0;
    }
}
