// Bias add over a tensor viewed as [outer, channels, inner] (dense: [N, F, 1]; conv NCHW: [N, C, H*W]).
// bias_add_forward:  y[o,c,i] = x[o,c,i] + bias[c]                 (one thread per element)
// bias_add_backward: dbias[c] += Σ_{o,i} dy[o,c,i]                 (one block per channel, block reduction)
#include "common.cuh"

extern "C" __global__ void bias_add_forward(const float* x, const float* bias, float* y, int outer, int channels, int inner)
{
    const long long n = (long long)outer * channels * inner;
    for (long long i = first_index(); i < n; i += grid_stride())
        y[i] = x[i] + bias[(i / inner) % channels];
}

extern "C" __global__ void bias_add_backward(const float* dy, float* dbias, int outer, int channels, int inner)
{
    const long long per_channel = (long long)outer * inner;
    for (int c = blockIdx.x; c < channels; c += gridDim.x)
    {
        float sum = 0.0f;
        for (long long e = threadIdx.x; e < per_channel; e += blockDim.x)
        {
            const long long o = e / inner, k = e % inner;
            sum += dy[(o * channels + c) * inner + k];
        }
        sum = block_sum(sum);
        if (threadIdx.x == 0) dbias[c] += sum;
    }
}
