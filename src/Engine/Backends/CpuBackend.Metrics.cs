using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void ArgmaxRows(Tensor x, Tensor indices, int rows, int cols)
    {
        if (IsF32(x, "argmax_rows")) ArgmaxRows<float>(x, indices, rows, cols);
        else ArgmaxRows<double>(x, indices, rows, cols);
    }

    private static void ArgmaxRows<T>(Tensor x, Tensor indices, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var px = x.Span<T>();
        var pi = indices.Span<int>();
        for (var r = 0; r < rows; r++) pi[r] = Argmax(px.Slice(r * cols, cols));
    }

    /// <summary>First index of the largest value (NaNs never win).</summary>
    private static int Argmax<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var best = 0;
        for (var j = 1; j < row.Length; j++)
            if (row[j] > row[best] || T.IsNaN(row[best]) && !T.IsNaN(row[j])) best = j;
        return best;
    }

    private static double WeightAt<T>(ReadOnlySpan<T> w, bool weighted, int r) where T : unmanaged, IFloatingPointIeee754<T> =>
        weighted ? double.CreateTruncating(w[r]) : 1.0;

    public void SparseCategoricalAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols)
    {
        if (IsF32(yPred, "sparse_categorical_accuracy_update")) SparseAccuracy<float>(yPred, labels, weight, acc, rows, cols);
        else SparseAccuracy<double>(yPred, labels, weight, acc, rows, cols);
    }

    private static void SparseAccuracy<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var y = labels.Span<int>();
        var w = weight is null ? default : weight.Span<T>();
        var a = acc.Span<double>();
        for (var r = 0; r < rows; r++)
        {
            var wr = WeightAt<T>(w, weight is not null, r);
            if (Argmax<T>(p.Slice(r * cols, cols)) == y[r]) a[0] += wr;
            a[1] += wr;
        }
    }

    public void SparseTopKAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols, int k)
    {
        if (IsF32(yPred, "sparse_top_k_accuracy_update")) TopK<float>(yPred, labels, weight, acc, rows, cols, k);
        else TopK<double>(yPred, labels, weight, acc, rows, cols, k);
    }

    private static void TopK<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var y = labels.Span<int>();
        var w = weight is null ? default : weight.Span<T>();
        var a = acc.Span<double>();
        for (var r = 0; r < rows; r++)
        {
            var wr = WeightAt<T>(w, weight is not null, r);
            a[1] += wr;
            if ((uint)y[r] >= (uint)cols) continue;
            var target = p[r * cols + y[r]];
            if (T.IsNaN(target)) continue;
            var higher = 0;
            for (var j = 0; j < cols; j++)
                if (p[r * cols + j] > target) higher++;
            if (higher < k) a[0] += wr;
        }
    }

    public void BinaryAccuracyUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor acc, int rows, int labels, double threshold)
    {
        if (IsF32(yPred, "binary_accuracy_update")) BinaryAccuracy<float>(yPred, yTrue, weight, acc, rows, labels, threshold);
        else BinaryAccuracy<double>(yPred, yTrue, weight, acc, rows, labels, threshold);
    }

    private static void BinaryAccuracy<T>(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor acc, int rows, int labels, double threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var t = yTrue.Span<T>();
        var w = weight is null ? default : weight.Span<T>();
        var a = acc.Span<double>();
        var (thr, half) = (C<T>(threshold), C<T>(0.5));
        for (var r = 0; r < rows; r++)
        {
            var matches = 0;
            for (var l = 0; l < labels; l++)
                if (p[r * labels + l] > thr == t[r * labels + l] > half) matches++;
            var wr = WeightAt<T>(w, weight is not null, r);
            a[0] += wr * matches / labels;
            a[1] += wr;
        }
    }

    public void MultiLabelConfusionUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor counts, int rows, int labels, double threshold)
    {
        if (IsF32(yPred, "multi_label_confusion_update")) MultiLabelConfusion<float>(yPred, yTrue, weight, counts, rows, labels, threshold);
        else MultiLabelConfusion<double>(yPred, yTrue, weight, counts, rows, labels, threshold);
    }

    private static void MultiLabelConfusion<T>(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor counts, int rows, int labels, double threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var t = yTrue.Span<T>();
        var w = weight is null ? default : weight.Span<T>();
        var c = counts.Span<double>();
        var (thr, half) = (C<T>(threshold), C<T>(0.5));
        for (var r = 0; r < rows; r++)
        {
            var wr = WeightAt<T>(w, weight is not null, r);
            for (var l = 0; l < labels; l++)
            {
                var predicted = p[r * labels + l] > thr;
                var actual = t[r * labels + l] > half;
                // row 0 tp, 1 fp, 2 fn, 3 tn
                var row = predicted ? (actual ? 0 : 1) : (actual ? 2 : 3);
                c[row * labels + l] += wr;
            }
        }
    }

    public void SparseClassCountsUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor counts, int rows, int cols)
    {
        if (IsF32(yPred, "sparse_class_counts_update")) ClassCounts<float>(yPred, labels, weight, counts, rows, cols);
        else ClassCounts<double>(yPred, labels, weight, counts, rows, cols);
    }

    private static void ClassCounts<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor counts, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var y = labels.Span<int>();
        var w = weight is null ? default : weight.Span<T>();
        var c = counts.Span<double>();
        for (var r = 0; r < rows; r++)
        {
            var wr = WeightAt<T>(w, weight is not null, r);
            var predicted = Argmax<T>(p.Slice(r * cols, cols));
            if (predicted == y[r])
            {
                c[predicted] += wr; // true positive
                continue;
            }
            c[cols + predicted] += wr; // false positive for the predicted class
            if ((uint)y[r] < (uint)cols) c[2 * cols + y[r]] += wr; // false negative for the true class
        }
    }

    public void ConfusionMatrixUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor matrix, int rows, int cols)
    {
        if (IsF32(yPred, "confusion_matrix_update")) Confusion<float>(yPred, labels, weight, matrix, rows, cols);
        else Confusion<double>(yPred, labels, weight, matrix, rows, cols);
    }

    private static void Confusion<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor matrix, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var y = labels.Span<int>();
        var w = weight is null ? default : weight.Span<T>();
        var m = matrix.Span<double>();
        for (var r = 0; r < rows; r++)
        {
            if ((uint)y[r] >= (uint)cols) continue;
            m[y[r] * cols + Argmax<T>(p.Slice(r * cols, cols))] += WeightAt<T>(w, weight is not null, r);
        }
    }

    public void AucHistogramUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor histogram, int rows, int labels, int numThresholds)
    {
        if (IsF32(yPred, "auc_histogram_update")) AucHistogram<float>(yPred, yTrue, weight, histogram, rows, labels, numThresholds);
        else AucHistogram<double>(yPred, yTrue, weight, histogram, rows, labels, numThresholds);
    }

    private static void AucHistogram<T>(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor histogram, int rows, int labels, int numThresholds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var t = yTrue.Span<T>();
        var w = weight is null ? default : weight.Span<T>();
        var h = histogram.Span<double>();
        var half = C<T>(0.5);
        var buckets = numThresholds + 1;
        for (var r = 0; r < rows; r++)
        {
            var wr = WeightAt<T>(w, weight is not null, r);
            for (var l = 0; l < labels; l++)
            {
                var positive = t[r * labels + l] > half ? 1 : 0;
                var b = AucBucket(double.CreateTruncating(p[r * labels + l]), numThresholds);
                h[(l * 2 + positive) * buckets + b] += wr;
            }
        }
    }

    public void SparseAucHistogramUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor histogram, int rows, int cols, int numThresholds)
    {
        if (IsF32(yPred, "sparse_auc_histogram_update")) SparseAucHistogram<float>(yPred, labels, weight, histogram, rows, cols, numThresholds);
        else SparseAucHistogram<double>(yPred, labels, weight, histogram, rows, cols, numThresholds);
    }

    private static void SparseAucHistogram<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor histogram, int rows, int cols, int numThresholds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = yPred.Span<T>();
        var y = labels.Span<int>();
        var w = weight is null ? default : weight.Span<T>();
        var h = histogram.Span<double>();
        var buckets = numThresholds + 1;
        for (var r = 0; r < rows; r++)
        {
            var wr = WeightAt<T>(w, weight is not null, r);
            for (var c = 0; c < cols; c++)
            {
                var positive = y[r] == c ? 1 : 0;
                var b = AucBucket(double.CreateTruncating(p[r * cols + c]), numThresholds);
                h[(c * 2 + positive) * buckets + b] += wr;
            }
        }
    }

    /// <summary>Keras's i-th AUC threshold (computed and compared in double on every backend).</summary>
    internal static double AucThreshold(int i, int numThresholds) =>
        i == 0 ? -1e-7 : i == numThresholds - 1 ? 1 + 1e-7 : (double)i / (numThresholds - 1);

    /// <summary>How many thresholds lie strictly below p (binary search; the thresholds increase).
    /// NaN is below none.</summary>
    private static int AucBucket(double p, int numThresholds)
    {
        int lo = 0, hi = numThresholds;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (p > AucThreshold(mid, numThresholds)) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
