// Row-wise softmax and log-softmax of a [rows, cols] matrix, one block per row (blocks loop over
// rows when there are more rows than blocks), max and sum reduced with warp shuffles.
// softmax_forward:      y = exp(x - max) / Σ exp(x - max)
// log_softmax_forward:  y = x - max - log Σ exp(x - max)
// softmax_backward:     dx += y * (dy - Σ_j dy_j y_j)           (accumulates)
// log_softmax_backward: dx += dy - exp(y) * Σ_j dy_j            (accumulates)
#include "common.cuh"

// max and Σ exp(x - max) of one row, returned to every thread of the block.
__device__ void row_max_and_sum(const float* xr, int cols, float& max, float& sum)
{
    float m = NEG_INF;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, xr[j]);
    max = block_max(m);
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(xr[j] - max);
    sum = block_sum(s);
}

extern "C" __global__ void softmax_forward(const float* x, float* y, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = x + (long long)r * cols;
        float* yr = y + (long long)r * cols;
        float max, sum;
        row_max_and_sum(xr, cols, max, sum);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = expf(xr[j] - max) / sum;
    }
}

extern "C" __global__ void log_softmax_forward(const float* x, float* y, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = x + (long long)r * cols;
        float* yr = y + (long long)r * cols;
        float max, sum;
        row_max_and_sum(xr, cols, max, sum);
        const float log_sum = logf(sum);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = xr[j] - max - log_sum;
    }
}

extern "C" __global__ void softmax_backward(const float* y, const float* dy, float* dx, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const long long o = (long long)r * cols;
        float dot = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) dot += dy[o + j] * y[o + j];
        dot = block_sum(dot);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) dx[o + j] += y[o + j] * (dy[o + j] - dot);
    }
}

extern "C" __global__ void log_softmax_backward(const float* y, const float* dy, float* dx, int rows, int cols)
{
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const long long o = (long long)r * cols;
        float total = 0.0f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) total += dy[o + j];
        total = block_sum(total);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) dx[o + j] += dy[o + j] - expf(y[o + j]) * total;
    }
}
