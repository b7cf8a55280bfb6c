// Activations over a contiguous float buffer of n elements (any layout).
// relu:    y = x <= 0 ? 0 : x (NaN stays NaN)  backward: dx += dy * (x > 0)
// sigmoid: y = 1 / (1 + exp(-x)) (stable)     backward: dx += dy * y * (1 - y)   (from the output y)
// tanh:    y = tanh(x)                        backward: dx += dy * (1 - y²)      (from the output y)
// Backward kernels accumulate into dx, like every backward.
#include "common.cuh"

extern "C" __global__ void relu_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = x[i] <= 0.0f ? 0.0f : x[i];
}

extern "C" __global__ void relu_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

extern "C" __global__ void sigmoid_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = stable_sigmoid(x[i]);
}

extern "C" __global__ void sigmoid_backward(const float* y, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

extern "C" __global__ void tanh_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = tanhf(x[i]);
}

extern "C" __global__ void tanh_backward(const float* y, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}

// relu_ext: Keras's ReLU(max_value, negative_slope, threshold), which also gives relu6 (max 6) and
//           leaky_relu (slope alpha); max_value may be +inf:
//           y = x >= max_value ? max_value : x >= threshold ? x : negative_slope * (x - threshold)
//           backward: dx += dy * (threshold < x < max_value ? 1 : x <= threshold ? negative_slope : 0)
// elu:      y = x > 0 ? x : alpha * (exp(x) - 1)       backward: dx += dy * (x > 0 ? 1 : alpha * exp(x))
// hard_sigmoid (Keras 3): y = min(max(x + 3, 0), 6) / 6     backward: dx += dy / 6 where -3 < x < 3
// hard_swish:   y = x * min(max(x + 3, 0), 6) / 6           backward: dx += dy * (x <= -3 ? 0 : x >= 3 ? 1 : (2x + 3) / 6)
// (all backward kernels read the input x; scalar parameters come as double and are used as float)

extern "C" __global__ void relu_ext_forward(const float* x, float* y, int n, double max_value_d, double negative_slope_d, double threshold_d)
{
    const float max_value = (float)max_value_d, negative_slope = (float)negative_slope_d, threshold = (float)threshold_d;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float v = x[i];
        y[i] = v >= max_value ? max_value : v >= threshold ? v : negative_slope * (v - threshold);
    }
}

extern "C" __global__ void relu_ext_backward(const float* x, const float* dy, float* dx, int n, double max_value_d, double negative_slope_d, double threshold_d)
{
    const float max_value = (float)max_value_d, negative_slope = (float)negative_slope_d, threshold = (float)threshold_d;
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float v = x[i];
        const float slope = (v > threshold && v < max_value) ? 1.0f : v <= threshold ? negative_slope : 0.0f;
        dx[i] += dy[i] * slope;
    }
}

extern "C" __global__ void elu_forward(const float* x, float* y, int n, double alpha_d)
{
    const float alpha = (float)alpha_d;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]);
}

extern "C" __global__ void elu_backward(const float* x, const float* dy, float* dx, int n, double alpha_d)
{
    const float alpha = (float)alpha_d;
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += x[i] > 0.0f ? dy[i] : dy[i] * alpha * expf(x[i]);
}

extern "C" __global__ void hard_sigmoid_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = fminf(fmaxf(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
}

extern "C" __global__ void hard_sigmoid_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) dx[i] += (x[i] > -3.0f && x[i] < 3.0f) ? dy[i] / 6.0f : 0.0f;
}

extern "C" __global__ void hard_swish_forward(const float* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = x[i] * (fminf(fmaxf(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f);
}

extern "C" __global__ void hard_swish_backward(const float* x, const float* dy, float* dx, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float v = x[i];
        dx[i] += dy[i] * (v <= -3.0f ? 0.0f : v >= 3.0f ? 1.0f : (2.0f * v + 3.0f) / 6.0f);
    }
}
