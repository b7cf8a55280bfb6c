using System.Numerics;
using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void ArgmaxRows(Tensor x, Tensor indices, int rows, int cols) => FloatDispatch.Run(x, new ArgmaxOfRows(x, indices, rows, cols));

    private readonly record struct ArgmaxOfRows(Tensor X, Tensor Indices, int Rows, int Cols) : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> => ArgmaxRows<T>(X, Indices, Rows, Cols);
    }

    private enum MetricKernel { SparseAccuracy, TopK, BinaryAccuracy, MultiLabelConfusion, ClassCounts, Confusion, AucHistogram, SparseAucHistogram }

    /// <summary>One metric accumulator update: predictions against targets (int labels or float
    /// truths), an optional weight per row, added into a float64 accumulator. <see cref="Param"/> is
    /// the kernel's extra argument (k, threshold or number of thresholds; 0 when it has none).</summary>
    private readonly record struct MetricUpdate(MetricKernel Kernel, Tensor YPred, Tensor Target, Tensor? Weight, Tensor Acc, int Rows, int Cols, double Param)
        : IFloatKernel
    {
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            switch (Kernel)
            {
                case MetricKernel.SparseAccuracy: SparseAccuracy<T>(YPred, Target, Weight, Acc, Rows, Cols); break;
                case MetricKernel.TopK: TopK<T>(YPred, Target, Weight, Acc, Rows, Cols, (int)Param); break;
                case MetricKernel.BinaryAccuracy: BinaryAccuracy<T>(YPred, Target, Weight, Acc, Rows, Cols, Param); break;
                case MetricKernel.MultiLabelConfusion: MultiLabelConfusion<T>(YPred, Target, Weight, Acc, Rows, Cols, Param); break;
                case MetricKernel.ClassCounts: ClassCounts<T>(YPred, Target, Weight, Acc, Rows, Cols); break;
                case MetricKernel.Confusion: Confusion<T>(YPred, Target, Weight, Acc, Rows, Cols); break;
                case MetricKernel.AucHistogram: AucHistogram<T>(YPred, Target, Weight, Acc, Rows, Cols, (int)Param); break;
                case MetricKernel.SparseAucHistogram: SparseAucHistogram<T>(YPred, Target, Weight, Acc, Rows, Cols, (int)Param); break;
            }
        }
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

    /// <summary>What every metric update reads: predictions, targets (int labels or values of T), the
    /// optional weight of each row (1 without weights) and the float64 accumulator it adds into.</summary>
    private readonly ref struct MetricRows<T, TTarget> where T : unmanaged, IFloatingPointIeee754<T> where TTarget : unmanaged
    {
        private readonly ReadOnlySpan<T> _pred, _weights;
        private readonly ReadOnlySpan<TTarget> _targets;
        private readonly Span<double> _acc;
        private readonly bool _weighted;

        public MetricRows(Tensor yPred, Tensor targets, Tensor? weight, Tensor acc)
        {
            _pred = yPred.Span<T>();
            _targets = targets.Span<TTarget>();
            _weighted = weight is not null;
            _weights = _weighted ? weight!.Span<T>() : default;
            _acc = acc.Span<double>();
        }

        public double Weight(int r) => _weighted ? double.CreateTruncating(_weights[r]) : 1.0;

        public void Deconstruct(out ReadOnlySpan<T> pred, out ReadOnlySpan<TTarget> targets, out Span<double> acc)
        {
            pred = _pred;
            targets = _targets;
            acc = _acc;
        }
    }

    public void SparseCategoricalAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.SparseAccuracy, yPred, labels, weight, acc, rows, cols, 0));

    private static void SparseAccuracy<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, int>(yPred, labels, weight, acc);
        var (p, y, a) = batch;
        for (var r = 0; r < rows; r++)
        {
            var wr = batch.Weight(r);
            if (Argmax<T>(p.Slice(r * cols, cols)) == y[r]) a[0] += wr;
            a[1] += wr;
        }
    }

    public void SparseTopKAccuracyUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols, int k) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.TopK, yPred, labels, weight, acc, rows, cols, k));

    private static void TopK<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor acc, int rows, int cols, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, int>(yPred, labels, weight, acc);
        var (p, y, a) = batch;
        for (var r = 0; r < rows; r++)
        {
            var wr = batch.Weight(r);
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

    public void BinaryAccuracyUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor acc, int rows, int labels, double threshold) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.BinaryAccuracy, yPred, yTrue, weight, acc, rows, labels, threshold));

    private static void BinaryAccuracy<T>(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor acc, int rows, int labels, double threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, T>(yPred, yTrue, weight, acc);
        var (p, t, a) = batch;
        var (thr, half) = (C<T>(threshold), C<T>(0.5));
        for (var r = 0; r < rows; r++)
        {
            var matches = 0;
            for (var l = 0; l < labels; l++)
                if (p[r * labels + l] > thr == t[r * labels + l] > half) matches++;
            var wr = batch.Weight(r);
            a[0] += wr * matches / labels;
            a[1] += wr;
        }
    }

    public void MultiLabelConfusionUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor counts, int rows, int labels, double threshold) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.MultiLabelConfusion, yPred, yTrue, weight, counts, rows, labels, threshold));

    private static void MultiLabelConfusion<T>(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor counts, int rows, int labels, double threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, T>(yPred, yTrue, weight, counts);
        var (p, t, c) = batch;
        var (thr, half) = (C<T>(threshold), C<T>(0.5));
        for (var r = 0; r < rows; r++)
        {
            var wr = batch.Weight(r);
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

    public void SparseClassCountsUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor counts, int rows, int cols) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.ClassCounts, yPred, labels, weight, counts, rows, cols, 0));

    private static void ClassCounts<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor counts, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, int>(yPred, labels, weight, counts);
        var (p, y, c) = batch;
        for (var r = 0; r < rows; r++)
        {
            var wr = batch.Weight(r);
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

    public void ConfusionMatrixUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor matrix, int rows, int cols) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.Confusion, yPred, labels, weight, matrix, rows, cols, 0));

    private static void Confusion<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor matrix, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, int>(yPred, labels, weight, matrix);
        var (p, y, m) = batch;
        for (var r = 0; r < rows; r++)
        {
            if ((uint)y[r] >= (uint)cols) continue;
            m[y[r] * cols + Argmax<T>(p.Slice(r * cols, cols))] += batch.Weight(r);
        }
    }

    public void AucHistogramUpdate(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor histogram, int rows, int labels, int numThresholds) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.AucHistogram, yPred, yTrue, weight, histogram, rows, labels, numThresholds));

    private static void AucHistogram<T>(Tensor yPred, Tensor yTrue, Tensor? weight, Tensor histogram, int rows, int labels, int numThresholds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, T>(yPred, yTrue, weight, histogram);
        var (p, t, h) = batch;
        var half = C<T>(0.5);
        var buckets = numThresholds + 1;
        for (var r = 0; r < rows; r++)
        {
            var wr = batch.Weight(r);
            for (var l = 0; l < labels; l++)
            {
                var positive = t[r * labels + l] > half ? 1 : 0;
                var b = AucBucket(double.CreateTruncating(p[r * labels + l]), numThresholds);
                h[(l * 2 + positive) * buckets + b] += wr;
            }
        }
    }

    public void SparseAucHistogramUpdate(Tensor yPred, Tensor labels, Tensor? weight, Tensor histogram, int rows, int cols, int numThresholds) =>
        FloatDispatch.Run(yPred, new MetricUpdate(MetricKernel.SparseAucHistogram, yPred, labels, weight, histogram, rows, cols, numThresholds));

    private static void SparseAucHistogram<T>(Tensor yPred, Tensor labels, Tensor? weight, Tensor histogram, int rows, int cols, int numThresholds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var batch = new MetricRows<T, int>(yPred, labels, weight, histogram);
        var (p, y, h) = batch;
        var buckets = numThresholds + 1;
        for (var r = 0; r < rows; r++)
        {
            var wr = batch.Weight(r);
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
