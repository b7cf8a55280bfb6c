// The residual join of ResNets, fused: y = relu(a + b) over n contiguous elements (any layout, same
// shapes). ReLU's rule: v <= 0 gives 0 (NaN stays NaN).
// add_relu_forward:  y = relu(a + b)
// add_relu_backward: dz = dy where y > 0, else 0; da += dz, db += dz (each skipped when null; da and
//                    db may be one buffer, then it receives 2·dz).
#include "common.cuh"

extern "C" __global__ void add_relu_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float v = a[i] + b[i];
        y[i] = v <= 0.0f ? 0.0f : v;
    }
}

extern "C" __global__ void add_relu_backward(const float* y, const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const float dz = y[i] > 0.0f ? dy[i] : 0.0f;
        if (da) da[i] += dz;
        if (db) db[i] += dz;
    }
}
