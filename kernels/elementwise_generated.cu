// GENERATED from src/Engine/Backends/Elementwise/ElementwiseOps.cs by CudaSource; do not edit by hand.
// Regenerate: ENGINE_REGENERATE_KERNELS=1 dotnet test --project tests/Engine.Tests -- --filter-class '*GeneratedKernelSourceTests*'
// Per-element ops over contiguous float buffers of n elements (any layout):
//   <op>_forward(inputs..., y, n, params...)             y[i] = f(inputs[i])
//   <op>_backward(saved..., dy, grads..., n, params...)  grad[i] += df (accumulates; with two
//                                                        gradients a null pointer is skipped)
// Scalar parameters arrive as double and are rounded to float once.
//   relu: y = x <= 0 ? 0 : x (NaN stays NaN);  dx += x > 0 ? dy : 0
//   sigmoid: y = 1 / (1 + exp(-x)), never exp of a large positive number;  dx += dy * y * (1 - y) (from the output y)
//   tanh: y = tanh(x);  dx += dy * (1 - y²) (from the output y)
//   exp: y = exp(x);  dx += dy * y (the output is its own derivative)
//   log: y = log(x);  dx += dy / x
//   relu_ext: Keras's ReLU(max_value, negative_slope, threshold), also relu6 and leaky_relu; max_value may be +inf
//   elu: y = x > 0 ? x : alpha * (exp(x) - 1);  dx += x > 0 ? dy : dy * alpha * exp(x)
//   hard_sigmoid: y = min(max(x + 3, 0), 6) / 6 (Keras 3);  dx += dy / 6 where -3 < x < 3
//   hard_swish: y = x * hard_sigmoid(x);  dx += dy * (x <= -3 ? 0 : x >= 3 ? 1 : (2x + 3) / 6)
//   add: y = a + b;  da += dy;  db += dy
//   sub: y = a - b;  da += dy;  db -= dy
//   mul: y = a * b;  da += dy * b;  db += dy * a
//   div: y = a / b;  da += dy / b;  db -= dy * a / b²
//   binary_cross_entropy: loss = -(t log(pc) + (1 - t) log(1 - pc)), pc = clamp(p, lo, hi);  dp += dy (p - t) / (p (1 - p)) where lo <= p <= hi
//   clip_by_value: y = clamp(x, -limit, limit) (NaN stays NaN);  dx += -limit <= x <= limit ? dy : 0
#include "common.cuh"

extern "C" __global__ void relu_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (x[i] <= 0.0f) ? 0.0f : x[i];
}

extern "C" __global__ void relu_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += (x[i] > 0.0f) ? dy[i] : 0.0f;
}

extern "C" __global__ void sigmoid_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (x[i] >= 0.0f) ? (1.0f / (1.0f + expf(-x[i]))) : (expf(x[i]) / (1.0f + expf(x[i])));
}

extern "C" __global__ void sigmoid_backward(const float* y, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += (dy[i] * y[i]) * (1.0f - y[i]);
}

extern "C" __global__ void tanh_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = tanhf(x[i]);
}

extern "C" __global__ void tanh_backward(const float* y, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] * (1.0f - (y[i] * y[i]));
}

extern "C" __global__ void exp_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = expf(x[i]);
}

extern "C" __global__ void exp_backward(const float* y, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] * y[i];
}

extern "C" __global__ void log_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = logf(x[i]);
}

extern "C" __global__ void log_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] / x[i];
}

extern "C" __global__ void relu_ext_forward(const float* x, float* y, int n, double max_value_d, double negative_slope_d, double threshold_d)
{
    const float max_value = (float)max_value_d, negative_slope = (float)negative_slope_d, threshold = (float)threshold_d;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (x[i] >= max_value) ? max_value : ((x[i] >= threshold) ? x[i] : (negative_slope * (x[i] - threshold)));
}

extern "C" __global__ void relu_ext_backward(const float* x, const float* dy, float* dx, int n, double max_value_d, double negative_slope_d, double threshold_d)
{
    const float max_value = (float)max_value_d, negative_slope = (float)negative_slope_d, threshold = (float)threshold_d;
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] * (((x[i] > threshold) && (x[i] < max_value)) ? 1.0f : ((x[i] <= threshold) ? negative_slope : 0.0f));
}

extern "C" __global__ void elu_forward(const float* x, float* y, int n, double alpha_d)
{
    const float alpha = (float)alpha_d;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (x[i] > 0.0f) ? x[i] : (alpha * expm1f(x[i]));
}

extern "C" __global__ void elu_backward(const float* x, const float* dy, float* dx, int n, double alpha_d)
{
    const float alpha = (float)alpha_d;
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += (x[i] > 0.0f) ? dy[i] : ((dy[i] * alpha) * expf(x[i]));
}

extern "C" __global__ void hard_sigmoid_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = fminf(fmaxf(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
}

extern "C" __global__ void hard_sigmoid_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += ((x[i] > (-3.0f)) && (x[i] < 3.0f)) ? (dy[i] / 6.0f) : 0.0f;
}

extern "C" __global__ void hard_swish_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = x[i] * (fminf(fmaxf(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f);
}

extern "C" __global__ void hard_swish_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] * ((x[i] <= (-3.0f)) ? 0.0f : ((x[i] >= 3.0f) ? 1.0f : (((2.0f * x[i]) + 3.0f) / 6.0f)));
}

extern "C" __global__ void add_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = a[i] + b[i];
}

extern "C" __global__ void add_backward(const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        if (da) da[i] += dy[i];
        if (db) db[i] += dy[i];
    }
}

extern "C" __global__ void sub_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = a[i] - b[i];
}

extern "C" __global__ void sub_backward(const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        if (da) da[i] += dy[i];
        if (db) db[i] += -dy[i];
    }
}

extern "C" __global__ void mul_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = a[i] * b[i];
}

extern "C" __global__ void mul_backward(const float* a, const float* b, const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        if (da) da[i] += dy[i] * b[i];
        if (db) db[i] += dy[i] * a[i];
    }
}

extern "C" __global__ void div_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = a[i] / b[i];
}

extern "C" __global__ void div_backward(const float* a, const float* b, const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        if (da) da[i] += dy[i] / b[i];
        if (db) db[i] += -((dy[i] * a[i]) / (b[i] * b[i]));
    }
}

extern "C" __global__ void binary_cross_entropy_forward(const float* p, const float* target, float* y, int n, double lo_d, double hi_d)
{
    const float lo = (float)lo_d, hi = (float)hi_d;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = -((target[i] * logf((p[i] < lo) ? lo : ((p[i] > hi) ? hi : p[i]))) + ((1.0f - target[i]) * logf(1.0f - ((p[i] < lo) ? lo : ((p[i] > hi) ? hi : p[i])))));
}

extern "C" __global__ void binary_cross_entropy_backward(const float* p, const float* target, const float* dy, float* dp, int n, double lo_d, double hi_d)
{
    const float lo = (float)lo_d, hi = (float)hi_d;
    for (long long i = first_index(); i < n; i += grid_stride()) dp[i] += ((p[i] >= lo) && (p[i] <= hi)) ? ((dy[i] * (p[i] - target[i])) / (p[i] * (1.0f - p[i]))) : 0.0f;
}

extern "C" __global__ void clip_by_value_forward(const float* x, float* y, int n, double limit_d)
{
    const float limit = (float)limit_d;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (x[i] < (-limit)) ? (-limit) : ((x[i] > limit) ? limit : x[i]);
}

extern "C" __global__ void clip_by_value_backward(const float* x, const float* dy, float* dx, int n, double limit_d)
{
    const float limit = (float)limit_d;
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += ((x[i] >= (-limit)) && (x[i] <= limit)) ? dy[i] : 0.0f;
}
