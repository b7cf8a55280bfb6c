// Loss kernels. Each produces one loss per row (per sample) or per element; weighting and the
// batch mean are ordinary ops on that vector. Backward kernels accumulate into the gradient.
//
// Row losses on logits/probabilities [rows, cols], one block per row:
//   softmax_cross_entropy_forward:   probs = softmax(x); loss[r] = -Σ_j t[r,j]·log_softmax(x)[r,j]
//   softmax_cross_entropy_backward:  dlogits[r,j] += dloss[r]·(probs[r,j]·Σ_k t[r,k] - t[r,j])
//   sparse_softmax_cross_entropy_*:  the same with int32 labels [rows]: loss[r] = -log_softmax(x)[r, labels[r]]
//                                    backward: dlogits[r,j] += dloss[r]·(probs[r,j] - [j == labels[r]])
//                                    (a label outside [0, cols) gives a NaN loss and no gradient)
//   cross_entropy_from_probs_*:      loss[r] = -Σ_j t·log(clip(p, eps, 1-eps));
//                                    dp += dloss[r]·(-t/p) where eps <= p <= 1-eps, 0 where clipped
// Elementwise losses over n values (binary_cross_entropy_* is a generated op: elementwise_generated.cu):
//   sigmoid_bce_with_logits_*:       fused sigmoid + BCE with an optional per-label positive weight
//                                    pw[i % labels] (tf.nn.weighted_cross_entropy_with_logits):
//                                    loss = (1-t)·x + (1 + (pw-1)·t)·(log1p(exp(-|x|)) + max(-x, 0))
//                                    dx += dloss·((1-t) - (1 + (pw-1)·t)·(1 - sigmoid(x)))
//                                    Stable for any |x|: never log(sigmoid(x)).
#include "common.cuh"

// max and log Σ exp(x - max) of one row, to every thread of the block.
__device__ void row_log_sum_exp(const float* xr, int cols, float& max, float& log_sum)
{
    float m = NEG_INF;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, xr[j]);
    max = block_max(m);
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(xr[j] - max);
    log_sum = logf(block_sum(s));
}

extern "C" __global__ void softmax_cross_entropy_forward(const float* logits, const float* target, float* probs, float* loss, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const long long o = (long long)r * cols;
        float max, log_sum;
        row_log_sum_exp(logits + o, cols, max, log_sum);
        float partial = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
        {
            const float log_p = logits[o + j] - max - log_sum;
            probs[o + j] = expf(log_p);
            partial -= target[o + j] * log_p;
        }
        partial = block_sum(partial);
        if (threadIdx.x == 0) loss[r] = partial;
    }
}

extern "C" __global__ void softmax_cross_entropy_backward(const float* probs, const float* target, const float* dloss, float* dlogits, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const long long o = (long long)r * cols;
        float t_sum = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) t_sum += target[o + j];
        t_sum = block_sum(t_sum);
        const float g = dloss[r];
        for (int j = threadIdx.x; j < cols; j += blockDim.x) dlogits[o + j] += g * (probs[o + j] * t_sum - target[o + j]);
    }
}

extern "C" __global__ void sparse_softmax_cross_entropy_forward(const float* logits, const int* labels, float* probs, float* loss, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const long long o = (long long)r * cols;
        float max, log_sum;
        row_log_sum_exp(logits + o, cols, max, log_sum);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) probs[o + j] = expf(logits[o + j] - max - log_sum);
        if (threadIdx.x == 0)
        {
            const int label = labels[r];
            loss[r] = (label >= 0 && label < cols) ? -(logits[o + label] - max - log_sum) : __int_as_float(0x7fc00000);
        }
    }
}

extern "C" __global__ void sparse_softmax_cross_entropy_backward(const float* probs, const int* labels, const float* dloss, float* dlogits, int rows, int cols)
{
    const long long n = (long long)rows * cols;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const int r = (int)(i / cols), j = (int)(i % cols);
        const int label = labels[r];
        if (label < 0 || label >= cols) continue;
        dlogits[i] += dloss[r] * (probs[i] - (j == label ? 1.0f : 0.0f));
    }
}

extern "C" __global__ void cross_entropy_from_probs_forward(const float* p, const float* target, float* loss, int rows, int cols, double eps)
{
    const float lo = (float)eps, hi = (float)(1.0 - eps);
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const long long o = (long long)r * cols;
        float partial = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) partial -= target[o + j] * logf(fminf(fmaxf(p[o + j], lo), hi));
        partial = block_sum(partial);
        if (threadIdx.x == 0) loss[r] = partial;
    }
}

extern "C" __global__ void cross_entropy_from_probs_backward(const float* p, const float* target, const float* dloss, float* dp, int rows, int cols, double eps)
{
    const float lo = (float)eps, hi = (float)(1.0 - eps);
    const long long n = (long long)rows * cols;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float v = p[i];
        if (v >= lo && v <= hi) dp[i] += dloss[i / cols] * (-target[i] / v);
    }
}

extern "C" __global__ void sigmoid_bce_with_logits_forward(const float* logits, const float* target, const float* pos_weight, float* loss, int n, int labels)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float x = logits[i], t = target[i];
        const float pw = pos_weight ? pos_weight[i % labels] : 1.0f;
        const float softplus_neg = log1pf(expf(-fabsf(x))) + fmaxf(-x, 0.0f);   // = -log(sigmoid(x)), stably
        loss[i] = (1.0f - t) * x + (1.0f + (pw - 1.0f) * t) * softplus_neg;
    }
}

extern "C" __global__ void sigmoid_bce_with_logits_backward(const float* logits, const float* target, const float* pos_weight, const float* dloss, float* dlogits, int n, int labels)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float x = logits[i], t = target[i];
        const float pw = pos_weight ? pos_weight[i % labels] : 1.0f;
        dlogits[i] += dloss[i] * ((1.0f - t) - (1.0f + (pw - 1.0f) * t) * stable_sigmoid(-x));   // 1 - sigmoid(x), without cancellation
    }
}
