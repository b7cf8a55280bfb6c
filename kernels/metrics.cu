// Metric kernels: they ACCUMULATE weighted counts into float64 buffers on the device (double
// atomics), so a metric costs no host synchronisation per batch. Predictions are float32
// [rows, cols]; an optional per-row weight w (null: 1); int32 labels are class indices (a label
// outside [0, cols) matches no prediction); targets are positive when t > 0.5, predictions when
// p > threshold. argmax is the first maximum; a NaN never beats a number.
// argmax_rows:                        indices[r] = argmax_j x[r, j]
// sparse_categorical_accuracy_update: acc[0] += Σ w·[argmax == label];  acc[1] += Σ w
// sparse_top_k_accuracy_update:       acc[0] += Σ w·[fewer than k scores strictly above the label's
//                                     (a NaN at the label misses)];  acc[1] += Σ w
// binary_accuracy_update:             acc[0] += Σ_r w·(matching labels)/labels;  acc[1] += Σ w
// multi_label_confusion_update:       counts[4, labels]: tp, fp, fn, tn per label += w
// sparse_class_counts_update:         counts[3, cols]: tp[c] on a hit, else fp[predicted] and fn[label]
// confusion_matrix_update:            matrix[label, argmax] += w (out-of-range labels skipped)
// (sparse_)auc_histogram_update:      histogram[label, positive, bucket] += w, bucket = number of
//                                     Keras thresholds strictly below p (compared in double)
// Row metrics use one warp per row; elementwise ones one thread per element.
#include "common.cuh"

__device__ __forceinline__ bool is_nan(float v) { return v != v; }

// Whether (v, j) beats the best so far (best, at): numbers beat NaNs, larger numbers win, and
// equal values (or two NaNs) go to the smaller index — the CPU's sequential argmax as an order.
__device__ __forceinline__ bool beats(float v, int j, float best, int at)
{
    if (j < 0) return false;
    if (at < 0) return true;
    const bool v_nan = is_nan(v), best_nan = is_nan(best);
    if (v_nan != best_nan) return best_nan;
    if (!v_nan && v != best) return v > best;
    return j < at;
}

// argmax of one row, by the 32 lanes of a warp, returned to every lane (0 for an empty row).
__device__ int warp_argmax(const float* row, int cols)
{
    float best = 0.0f;
    int at = -1;
    for (int j = threadIdx.x & 31; j < cols; j += 32)
        if (beats(row[j], j, best, at)) { best = row[j]; at = j; }
    for (int offset = 16; offset > 0; offset >>= 1)
    {
        const float other = __shfl_xor_sync(0xffffffffu, best, offset);
        const int other_at = __shfl_xor_sync(0xffffffffu, at, offset);
        if (beats(other, other_at, best, at)) { best = other; at = other_at; }
    }
    return at < 0 ? 0 : at;
}

__device__ __forceinline__ int warp_sum_int(int v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ long long warp_id() { return first_index() >> 5; }
__device__ __forceinline__ long long warp_count() { return grid_stride() >> 5; }
__device__ __forceinline__ bool lane0() { return (threadIdx.x & 31) == 0; }
__device__ __forceinline__ double weight_of(const float* weight, long long r) { return weight ? (double)weight[r] : 1.0; }

extern "C" __global__ void argmax_rows(const float* x, int* indices, int rows, int cols)
{
    for (long long r = warp_id(); r < rows; r += warp_count())
    {
        const int at = warp_argmax(x + r * cols, cols);
        if (lane0()) indices[r] = at;
    }
}

extern "C" __global__ void sparse_categorical_accuracy_update(const float* y_pred, const int* labels, const float* weight, double* acc,
                                                              int rows, int cols)
{
    double hits = 0.0, total = 0.0;
    for (long long r = warp_id(); r < rows; r += warp_count())
    {
        const int predicted = warp_argmax(y_pred + r * cols, cols);
        const double w = weight_of(weight, r);
        if (predicted == labels[r]) hits += w;
        total += w;
    }
    if (lane0() && total != 0.0)
    {
        atomicAdd(acc, hits);
        atomicAdd(acc + 1, total);
    }
}

extern "C" __global__ void sparse_top_k_accuracy_update(const float* y_pred, const int* labels, const float* weight, double* acc,
                                                        int rows, int cols, int k)
{
    double hits = 0.0, total = 0.0;
    for (long long r = warp_id(); r < rows; r += warp_count())
    {
        const double w = weight_of(weight, r);
        total += w;
        const int label = labels[r];
        if (label < 0 || label >= cols) continue;
        const float* row = y_pred + r * cols;
        const float target = row[label];
        if (is_nan(target)) continue;
        int higher = 0;
        for (int j = threadIdx.x & 31; j < cols; j += 32) higher += row[j] > target ? 1 : 0;
        if (warp_sum_int(higher) < k) hits += w;
    }
    if (lane0() && total != 0.0)
    {
        atomicAdd(acc, hits);
        atomicAdd(acc + 1, total);
    }
}

extern "C" __global__ void binary_accuracy_update(const float* y_pred, const float* y_true, const float* weight, double* acc,
                                                  int rows, int labels, double threshold)
{
    const float thr = (float)threshold;
    double hits = 0.0, total = 0.0;
    for (long long r = warp_id(); r < rows; r += warp_count())
    {
        int matches = 0;
        for (int l = threadIdx.x & 31; l < labels; l += 32)
            matches += (y_pred[r * labels + l] > thr) == (y_true[r * labels + l] > 0.5f) ? 1 : 0;
        matches = warp_sum_int(matches);
        const double w = weight_of(weight, r);
        hits += w * matches / labels;
        total += w;
    }
    if (lane0() && total != 0.0)
    {
        atomicAdd(acc, hits);
        atomicAdd(acc + 1, total);
    }
}

extern "C" __global__ void multi_label_confusion_update(const float* y_pred, const float* y_true, const float* weight, double* counts,
                                                        int rows, int labels, double threshold)
{
    const float thr = (float)threshold;
    const long long n = (long long)rows * labels;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const long long r = i / labels;
        const int l = (int)(i % labels);
        const bool predicted = y_pred[i] > thr, actual = y_true[i] > 0.5f;
        const int row = predicted ? (actual ? 0 : 1) : (actual ? 2 : 3);    // tp, fp, fn, tn
        atomicAdd(counts + (long long)row * labels + l, weight_of(weight, r));
    }
}

extern "C" __global__ void sparse_class_counts_update(const float* y_pred, const int* labels, const float* weight, double* counts,
                                                      int rows, int cols)
{
    for (long long r = warp_id(); r < rows; r += warp_count())
    {
        const int predicted = warp_argmax(y_pred + r * cols, cols);
        if (!lane0()) continue;
        const int label = labels[r];
        const double w = weight_of(weight, r);
        if (predicted == label)
        {
            atomicAdd(counts + predicted, w);                       // true positive
            continue;
        }
        atomicAdd(counts + cols + predicted, w);                    // false positive of the predicted class
        if (label >= 0 && label < cols) atomicAdd(counts + 2 * cols + label, w);   // false negative of the true class
    }
}

extern "C" __global__ void confusion_matrix_update(const float* y_pred, const int* labels, const float* weight, double* matrix,
                                                   int rows, int cols)
{
    for (long long r = warp_id(); r < rows; r += warp_count())
    {
        const int predicted = warp_argmax(y_pred + r * cols, cols);
        const int label = labels[r];
        if (lane0() && label >= 0 && label < cols) atomicAdd(matrix + (long long)label * cols + predicted, weight_of(weight, r));
    }
}

// Keras's i-th AUC threshold, in double exactly as CpuBackend.AucThreshold.
__device__ __forceinline__ double auc_threshold(int i, int count)
{
    return i == 0 ? -1e-7 : i == count - 1 ? 1.0 + 1e-7 : (double)i / (count - 1);
}

// How many thresholds lie strictly below p (binary search; NaN is below none).
__device__ int auc_bucket(double p, int count)
{
    int lo = 0, hi = count;
    while (lo < hi)
    {
        const int mid = (lo + hi) / 2;
        if (p > auc_threshold(mid, count)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

extern "C" __global__ void auc_histogram_update(const float* y_pred, const float* y_true, const float* weight, double* histogram,
                                                int rows, int labels, int num_thresholds)
{
    const long long n = (long long)rows * labels;
    const int buckets = num_thresholds + 1;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const long long r = i / labels;
        const int l = (int)(i % labels);
        const int positive = y_true[i] > 0.5f ? 1 : 0;
        const int b = auc_bucket((double)y_pred[i], num_thresholds);
        atomicAdd(histogram + ((long long)l * 2 + positive) * buckets + b, weight_of(weight, r));
    }
}

extern "C" __global__ void sparse_auc_histogram_update(const float* y_pred, const int* labels, const float* weight, double* histogram,
                                                       int rows, int cols, int num_thresholds)
{
    const long long n = (long long)rows * cols;
    const int buckets = num_thresholds + 1;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const long long r = i / cols;
        const int c = (int)(i % cols);
        const int positive = labels[r] == c ? 1 : 0;
        const int b = auc_bucket((double)y_pred[i], num_thresholds);
        atomicAdd(histogram + ((long long)c * 2 + positive) * buckets + b, weight_of(weight, r));
    }
}
