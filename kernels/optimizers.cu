// Optimizer update steps, elementwise over n parameters (one contiguous parameter arena or one
// tensor), PyTorch semantics. Hyper-parameters arrive as double, as IBackend takes them; the
// element math is float32.
// sgd_step:     g = grad + wd·param; with momentum: buf = momentum·buf + (1 - dampening)·g,
//               g = nesterov ? g + momentum·buf : buf;  param -= lr·g.
//               (The velocity starts at zero, so with dampening 0 the first step equals PyTorch's
//               buf = g; the caller passes dampening 0 on the first step to match it otherwise.)
// adam_step:    Adam, or AdamW when decoupled (param *= 1 - lr·wd instead of g += wd·param);
//               m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  v̂ = amsgrad ? (vmax = max(vmax, v)) : v
//               param -= lr/(1-β1^t) · m / (sqrt(v̂)/sqrt(1-β2^t) + eps)   (amsgrad when v_max != null)
// rmsprop_step: g = grad + wd·param;  sq = ρ·sq + (1-ρ)·g²;  d = g/(sqrt(sq) + eps);
//               with momentum (buffer given, momentum > 0): buf = momentum·buf + d, param -= lr·buf;
//               else param -= lr·d.
// squared_norm_accumulate: result[0] += Σ x² (block sums, one atomic per block), for global-norm clipping.
// scale_to_max_norm:       x *= min(1, max_norm / (sqrt(squared_norm[0]) + 1e-6))  (clip_grad_norm_).
// (clip_by_value is a generated op: elementwise_generated.cu.)
// Scalars derived from the hyper-parameters (1-β, 1-lr·wd, …) are computed in double and rounded
// once, exactly as the CPU twins do.
#include "common.cuh"

extern "C" __global__ void sgd_step(float* param, const float* grad, float* velocity, int n, double lr, double momentum,
                                    double dampening, int nesterov, double weight_decay)
{
    const float lr_f = (float)lr, mom = (float)momentum, keep = (float)(1.0 - dampening), wd = (float)weight_decay;
    const bool use_momentum = momentum != 0.0;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        float d = grad[i] + wd * param[i];
        if (use_momentum)
        {
            const float v = mom * velocity[i] + keep * d;
            velocity[i] = v;
            d = nesterov ? d + mom * v : v;
        }
        param[i] -= lr_f * d;
    }
}

extern "C" __global__ void adam_step(float* param, const float* grad, float* m, float* v, float* v_max, int n, double lr,
                                     double beta1, double beta2, double eps, double weight_decay, int decoupled, long long step)
{
    // Bias corrections depend only on the step: scalars, in double, as PyTorch computes them on the host.
    const float step_size = (float)(lr / (1.0 - pow(beta1, (double)step)));
    const float bias2_sqrt = (float)sqrt(1.0 - pow(beta2, (double)step));
    const float b1 = (float)beta1, b2 = (float)beta2, ob1 = (float)(1.0 - beta1), ob2 = (float)(1.0 - beta2), e = (float)eps;
    const float shrink = (float)(1.0 - lr * weight_decay), wd = (float)weight_decay;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        float p = param[i], d = grad[i];
        if (decoupled) p *= shrink;
        else d += wd * p;
        const float mi = b1 * m[i] + ob1 * d;
        const float vi = b2 * v[i] + ob2 * d * d;
        m[i] = mi;
        v[i] = vi;
        float second = vi;
        if (v_max)
        {
            second = fmaxf(v_max[i], vi);
            v_max[i] = second;
        }
        param[i] = p - step_size * (mi / (sqrtf(second) / bias2_sqrt + e));
    }
}

extern "C" __global__ void rmsprop_step(float* param, const float* grad, float* square_avg, float* momentum_buffer, int n,
                                        double lr, double rho, double eps, double momentum, double weight_decay)
{
    const float lr_f = (float)lr, r = (float)rho, orho = (float)(1.0 - rho), e = (float)eps, mom = (float)momentum, wd = (float)weight_decay;
    const bool use_momentum = momentum_buffer && momentum > 0.0;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float d = grad[i] + wd * param[i];
        const float sq = r * square_avg[i] + orho * d * d;
        square_avg[i] = sq;
        float step = d / (sqrtf(sq) + e);
        if (use_momentum)
        {
            step = mom * momentum_buffer[i] + step;
            momentum_buffer[i] = step;
        }
        param[i] -= lr_f * step;
    }
}

extern "C" __global__ void squared_norm_accumulate(const float* x, float* result, int n)
{
    float sum = 0.0f;
    for (long long i = first_index(); i < n; i += grid_stride()) sum += x[i] * x[i];
    sum = block_sum(sum);
    if (threadIdx.x == 0) atomicAdd(result, sum);
}

extern "C" __global__ void scale_to_max_norm(float* x, const float* squared_norm, double max_norm, int n)
{
    const float coef = fminf(1.0f, (float)max_norm / (sqrtf(squared_norm[0]) + (float)1e-6));
    for (long long i = first_index(); i < n; i += grid_stride()) x[i] *= coef;
}

