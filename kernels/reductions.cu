// Sum along one axis of x viewed as [outer, axis, inner] (scale 1 for sum, 1/axis for mean).
// sum_axis_forward:  y[o,i] = scale · Σ_a x[o,a,i]     one block per output element, block reduction
// sum_axis_backward: dx[o,a,i] += scale · dy[o,i]      one thread per input element (accumulates)
#include "common.cuh"

extern "C" __global__ void sum_axis_forward(const float* x, float* y, int outer, int axis, int inner, double scale)
{
    const long long outputs = (long long)outer * inner;
    const float s = (float)scale;
    for (long long out = blockIdx.x; out < outputs; out += gridDim.x)
    {
        const long long o = out / inner, i = out % inner;
        const float* base = x + o * axis * inner + i;
        float sum = 0.0f;
        for (int a = threadIdx.x; a < axis; a += blockDim.x) sum += base[(long long)a * inner];
        sum = block_sum(sum);
        if (threadIdx.x == 0) y[out] = sum * s;
    }
}

extern "C" __global__ void sum_axis_backward(const float* dy, float* dx, int outer, int axis, int inner, double scale)
{
    const long long n = (long long)outer * axis * inner;
    const float s = (float)scale;
    for (long long idx = first_index(); idx < n; idx += grid_stride())
    {
        const long long o = idx / ((long long)axis * inner), i = idx % inner;
        dx[idx] += dy[o * inner + i] * s;
    }
}
