// Batch normalisation over x viewed as [n, c, hw] (dense: hw = 1; conv NCHW: hw = H·W); statistics
// per channel over the m = n·hw values of that channel. One block per channel, block reductions.
// batch_norm_forward_training:  mean, biased var; invstd = 1/sqrt(var + eps);
//                               y = gamma·(x - mean)·invstd + beta; saves mean and invstd;
//                               running = running·momentum + batch·(1 - momentum) (Keras-style,
//                               with the biased batch variance).
// batch_norm_forward_inference: y = gamma·(x - running_mean)/sqrt(running_var + eps) + beta.
// batch_norm_backward:          with x̂ = (x - mean)·invstd:
//                               dx += gamma·invstd/m·(m·dy - Σdy - x̂·Σ(dy·x̂));
//                               dgamma += Σ dy·x̂; dbeta += Σ dy (each skipped when null).
// batch_norm_relu_*:            the fused batch norm + ReLU. Forward: the statistics as above, then
//                               y = relu(x·scale + shift), scale = gamma·invstd, shift = beta − mean·scale.
//                               Backward: the mask x·scale + shift > 0 recomputed from x with the same
//                               scale and shift, dz = dy·mask, then batch_norm_backward's formulas on dz.
#include "common.cuh"

__device__ __forceinline__ long long bn_index(long long e, int ch, int c, int hw)
{
    return ((e / hw) * c + ch) * hw + (e % hw);     // e-th value of channel ch: batch e / hw, position e % hw
}

extern "C" __global__ void batch_norm_forward_training(const float* x, const float* gamma, const float* beta, float* y,
                                                       float* save_mean, float* save_invstd, float* running_mean, float* running_var,
                                                       int n, int c, int hw, double momentum, double eps)
{
    const long long m = (long long)n * hw;
    const float mom = (float)momentum;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x)
    {
        float s = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x) s += x[bn_index(e, ch, c, hw)];
        const float mean = block_sum(s) / (float)m;
        float q = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const float d = x[bn_index(e, ch, c, hw)] - mean;
            q += d * d;
        }
        const float var = block_sum(q) / (float)m;
        const float invstd = 1.0f / sqrtf(var + (float)eps);
        const float g = gamma[ch], b = beta[ch];
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const long long at = bn_index(e, ch, c, hw);
            y[at] = g * (x[at] - mean) * invstd + b;
        }
        if (threadIdx.x == 0)
        {
            save_mean[ch] = mean;
            save_invstd[ch] = invstd;
            running_mean[ch] = running_mean[ch] * mom + mean * (1.0f - mom);
            running_var[ch] = running_var[ch] * mom + var * (1.0f - mom);
        }
    }
}

extern "C" __global__ void batch_norm_forward_inference(const float* x, const float* gamma, const float* beta,
                                                        const float* running_mean, const float* running_var, float* y,
                                                        int n, int c, int hw, double eps)
{
    const long long total = (long long)n * c * hw;
    const float e = (float)eps;
    for (long long i = first_index(); i < total; i += grid_stride())
    {
        const int ch = (int)((i / hw) % c);
        y[i] = gamma[ch] * (x[i] - running_mean[ch]) / sqrtf(running_var[ch] + e) + beta[ch];
    }
}

extern "C" __global__ void batch_norm_backward(const float* x, const float* dy, const float* gamma, const float* save_mean,
                                               const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                                               int n, int c, int hw)
{
    const long long m = (long long)n * hw;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x)
    {
        const float mean = save_mean[ch], invstd = save_invstd[ch];
        float sdy = 0.0f, sdyx = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const long long at = bn_index(e, ch, c, hw);
            sdy += dy[at];
            sdyx += dy[at] * (x[at] - mean) * invstd;
        }
        sdy = block_sum(sdy);
        sdyx = block_sum(sdyx);
        const float k = gamma[ch] * invstd / (float)m;
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const long long at = bn_index(e, ch, c, hw);
            const float xhat = (x[at] - mean) * invstd;
            dx[at] += k * ((float)m * dy[at] - sdy - xhat * sdyx);
        }
        if (threadIdx.x == 0)
        {
            if (dgamma) dgamma[ch] += sdyx;
            if (dbeta) dbeta[ch] += sdy;
        }
    }
}

__device__ __forceinline__ void bn_relu_affine(const float* gamma, const float* beta, float mean, float invstd, int ch,
                                               float* scale, float* shift)
{
    *scale = gamma[ch] * invstd;
    *shift = beta[ch] - mean * *scale;
}

extern "C" __global__ void batch_norm_relu_forward_training(const float* x, const float* gamma, const float* beta, float* y,
                                                            float* save_mean, float* save_invstd, float* running_mean, float* running_var,
                                                            int n, int c, int hw, double momentum, double eps)
{
    const long long m = (long long)n * hw;
    const float mom = (float)momentum;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x)
    {
        float s = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x) s += x[bn_index(e, ch, c, hw)];
        const float mean = block_sum(s) / (float)m;
        float q = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const float d = x[bn_index(e, ch, c, hw)] - mean;
            q += d * d;
        }
        const float var = block_sum(q) / (float)m;
        const float invstd = 1.0f / sqrtf(var + (float)eps);
        float scale, shift;
        bn_relu_affine(gamma, beta, mean, invstd, ch, &scale, &shift);
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const long long at = bn_index(e, ch, c, hw);
            const float v = x[at] * scale + shift;
            y[at] = v <= 0.0f ? 0.0f : v;
        }
        if (threadIdx.x == 0)
        {
            save_mean[ch] = mean;
            save_invstd[ch] = invstd;
            running_mean[ch] = running_mean[ch] * mom + mean * (1.0f - mom);
            running_var[ch] = running_var[ch] * mom + var * (1.0f - mom);
        }
    }
}

extern "C" __global__ void batch_norm_relu_forward_inference(const float* x, const float* gamma, const float* beta,
                                                             const float* running_mean, const float* running_var, float* y,
                                                             int n, int c, int hw, double eps)
{
    const long long total = (long long)n * c * hw;
    const float e = (float)eps;
    for (long long i = first_index(); i < total; i += grid_stride())
    {
        const int ch = (int)((i / hw) % c);
        const float v = gamma[ch] * (x[i] - running_mean[ch]) / sqrtf(running_var[ch] + e) + beta[ch];
        y[i] = v <= 0.0f ? 0.0f : v;
    }
}

extern "C" __global__ void batch_norm_relu_backward(const float* x, const float* dy, const float* gamma, const float* beta,
                                                    const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                                                    float* dbeta, int n, int c, int hw)
{
    const long long m = (long long)n * hw;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x)
    {
        const float mean = save_mean[ch], invstd = save_invstd[ch];
        float scale, shift;
        bn_relu_affine(gamma, beta, mean, invstd, ch, &scale, &shift);
        float sdy = 0.0f, sdyx = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const long long at = bn_index(e, ch, c, hw);
            const float dz = x[at] * scale + shift > 0.0f ? dy[at] : 0.0f;
            sdy += dz;
            sdyx += dz * (x[at] - mean) * invstd;
        }
        sdy = block_sum(sdy);
        sdyx = block_sum(sdyx);
        const float k = gamma[ch] * invstd / (float)m;
        for (long long e = threadIdx.x; e < m; e += blockDim.x)
        {
            const long long at = bn_index(e, ch, c, hw);
            const float xhat = (x[at] - mean) * invstd;
            const float dz = x[at] * scale + shift > 0.0f ? dy[at] : 0.0f;
            dx[at] += k * ((float)m * dz - sdy - xhat * sdyx);
        }
        if (threadIdx.x == 0)
        {
            if (dgamma) dgamma[ch] += sdyx;
            if (dbeta) dbeta[ch] += sdy;
        }
    }
}
