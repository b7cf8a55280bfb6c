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
// rmsprop_step: g = grad + wd·param;  sq = ρ·sq + (1-ρ)·g²;  avg = sqrt(sq) + eps;
//               with momentum: buf = momentum·buf + g/avg, param -= lr·buf;  else param -= lr·g/avg.
#include "common.cuh"

extern "C" __global__ void sgd_step(float* param, const float* grad, float* velocity, int n, double lr, double momentum,
                                    double dampening, int nesterov, double weight_decay)
{
    const float lr_f = (float)lr, mom = (float)momentum, damp = (float)dampening, wd = (float)weight_decay;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        float g = grad[i];
        if (wd != 0.0f) g += wd * param[i];
        if (mom != 0.0f)
        {
            const float buf = mom * velocity[i] + (1.0f - damp) * g;
            velocity[i] = buf;
            g = nesterov ? g + mom * buf : buf;
        }
        param[i] -= lr_f * g;
    }
}

extern "C" __global__ void adam_step(float* param, const float* grad, float* m, float* v, float* v_max, int n, double lr,
                                     double beta1, double beta2, double eps, double weight_decay, int decoupled, long long step)
{
    // Bias corrections in double, once per thread, as PyTorch computes them on the host.
    const double bias1 = 1.0 - pow(beta1, (double)step);
    const double bias2 = 1.0 - pow(beta2, (double)step);
    const float step_size = (float)(lr / bias1), bias2_sqrt = (float)sqrt(bias2);
    const float b1 = (float)beta1, b2 = (float)beta2, e = (float)eps, wd = (float)weight_decay, lr_f = (float)lr;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        float p = param[i], g = grad[i];
        if (wd != 0.0f)
        {
            if (decoupled) p *= 1.0f - lr_f * wd;
            else g += wd * p;
        }
        const float mi = b1 * m[i] + (1.0f - b1) * g;
        const float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float v_hat = vi;
        if (v_max)
        {
            v_hat = fmaxf(v_max[i], vi);
            v_max[i] = v_hat;
        }
        param[i] = p - step_size * mi / (sqrtf(v_hat) / bias2_sqrt + e);
    }
}

extern "C" __global__ void rmsprop_step(float* param, const float* grad, float* square_avg, float* momentum_buffer, int n,
                                        double lr, double rho, double eps, double momentum, double weight_decay)
{
    const float lr_f = (float)lr, r = (float)rho, e = (float)eps, mom = (float)momentum, wd = (float)weight_decay;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        float g = grad[i];
        if (wd != 0.0f) g += wd * param[i];
        const float sq = r * square_avg[i] + (1.0f - r) * g * g;
        square_avg[i] = sq;
        const float avg = sqrtf(sq) + e;
        if (mom > 0.0f && momentum_buffer)
        {
            const float buf = mom * momentum_buffer[i] + g / avg;
            momentum_buffer[i] = buf;
            param[i] -= lr_f * buf;
        }
        else
        {
            param[i] -= lr_f * g / avg;
        }
    }
}
