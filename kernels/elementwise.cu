// Elementwise helpers over contiguous buffers of n elements that are not generated ops
// (add/sub/mul/div, exp and log are in elementwise_generated.cu):
// axpy:             y += alpha * x                          (the accumulate step of add/sub/reshape backward)
// affine_forward:   y = x * scale + shift                   (scalar add/sub/mul/div)
// cast_*:           y = (float)x or y = (int)x (truncates toward zero, as C# does)
// fill_f64:         y = value for float64 buffers (metric accumulators); float32/int32 fills are memsets
// Scalars arrive as double, the type IBackend takes them in, and are rounded to float once.
#include "common.cuh"

extern "C" __global__ void axpy(double alpha, const float* x, float* y, int n)
{
    const float a = (float)alpha;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] += a * x[i];
}

extern "C" __global__ void affine_forward(const float* x, float* y, double scale, double shift, int n)
{
    const float s = (float)scale, t = (float)shift;
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = x[i] * s + t;
}

// Cast: float32 -> int32 truncates toward zero and saturates (NaN -> 0), like C#'s (int) on .NET 9+.
// Spelled out rather than left to (int)x, whose out-of-range result C++ leaves undefined.
extern "C" __global__ void cast_f32_to_i32(const float* x, int* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float v = x[i];
        y[i] = v != v ? 0 : v >= 2147483648.0f ? 2147483647 : v <= -2147483648.0f ? (-2147483647 - 1) : (int)v;
    }
}

extern "C" __global__ void cast_i32_to_f32(const int* x, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (float)x[i];
}

extern "C" __global__ void fill_f64(double* y, double value, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = value;
}
