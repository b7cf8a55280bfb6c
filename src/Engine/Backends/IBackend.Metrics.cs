using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Metric kernels: they ACCUMULATE weighted counts into float64 buffers that stay on the
/// device (the GPU versions use double atomics), so a metric costs no host synchronisation per
/// batch; the metric reads its buffer once when asked for the result. Predictions are float32 or
/// float64 [rows, cols] (row-major); an optional per-row sample weight has the predictions' dtype
/// (null means weight 1); int32 labels are class indices, and a label outside [0, cols) counts as
/// a miss (it matches no prediction). Targets "t" are positive when t &gt; 0.5; predictions are
/// positive when p &gt; threshold.</summary>
public partial interface IBackend
{
    /// <summary>indices[r] = the first j with x[r, j] maximal (int32), as argmax does.</summary>
    void ArgmaxRows(Tensor x, Tensor indices, int rows, int cols);

    /// <summary>acc[0] += Σ_r w[r]·[argmax_j yPred[r, j] == labels[r]]; acc[1] += Σ_r w[r].</summary>
    void SparseCategoricalAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols);

    /// <summary>acc[0] += Σ_r w[r]·[fewer than k classes score strictly higher than the label's class]
    /// (ties at the boundary count as hits, as tf.math.in_top_k; a NaN score at the label is a miss);
    /// acc[1] += Σ_r w[r].</summary>
    void SparseTopKAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols, int k);

    /// <summary>For [rows, labels] probabilities and targets: acc[0] += Σ_r w[r]·(1/labels)·Σ_l
    /// [(p &gt; threshold) == (t &gt; 0.5)]; acc[1] += Σ_r w[r] (Keras binary_accuracy).</summary>
    void BinaryAccuracyUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor acc, int rows, int labels, double threshold);

    /// <summary>Per-label confusion counts of thresholded predictions, counts viewed as [4, labels]:
    /// row 0 true positives, 1 false positives, 2 false negatives, 3 true negatives, each += w[r].</summary>
    void MultiLabelConfusionUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor counts, int rows, int labels, double threshold);

    /// <summary>Per-class counts of argmax predictions against int32 labels, counts viewed as [3, cols]:
    /// with c = argmax yPred[r]: if c == labels[r] then tp[c] += w, else fp[c] += w and fn[labels[r]] += w
    /// (a label out of range adds only the false positive).</summary>
    void SparseClassCountsUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor counts, int rows, int cols);

    /// <summary>matrix[labels[r], argmax_j yPred[r, j]] += w[r] for a [cols, cols] matrix (true class
    /// by row, predicted class by column, as sklearn); rows whose label is out of range are skipped.</summary>
    void ConfusionMatrixUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor matrix, int rows, int cols);

    /// <summary>Threshold histograms for ROC AUC over Keras's thresholds thr_0 = -1e-7,
    /// thr_i = i/(numThresholds-1) for 0 &lt; i &lt; numThresholds-1, thr_last = 1 + 1e-7.
    /// For each element, bucket b = the number of thresholds strictly below p (0..numThresholds), and
    /// histogram viewed as [labels, 2, numThresholds + 1] gets [l, t &gt; 0.5 ? 1 : 0, b] += w[r].
    /// Then tp at threshold i = Σ_{b &gt; i} of the positive row (and fp of the negative row).</summary>
    void AucHistogramUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor histogram, int rows, int labels, int numThresholds);

    /// <summary>The same with int32 labels: class c of row r is positive when labels[r] == c (one-vs-rest).</summary>
    void SparseAucHistogramUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor histogram, int rows, int cols, int numThresholds);
}
