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
