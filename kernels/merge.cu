// Merge ops (Keras's Add/Subtract/Multiply/Average/Maximum/Minimum/Concatenate) over contiguous
// float buffers.
// broadcast_forward:  y[o] = x[src(o)] where y has dims od[0..5] (row-major) and x is read with
//                     strides st[0..5]; a stride of 0 marks a broadcast axis (NumPy broadcasting,
//                     shapes aligned on the right and padded to rank 6 by the host).
// broadcast_backward: dx[i] += Σ dy[o] over every o that read x[i] (the sum over broadcast axes).
//                     One thread per input element: deterministic, no atomics.
// maximum/minimum:    y = max(a, b) / min(a, b), NaN propagates; backward routes dy to a where
//                     a >= b (max) or a <= b (min), else to b (ties go to a, as TensorFlow does).
// concat_forward:     x viewed as [outer, part, inner] is written to y viewed as [outer, total, inner]
//                     at offset along the middle axis; concat_backward: dx += that slice of dy.
#include "common.cuh"

extern "C" __global__ void broadcast_forward(const float* x, float* y, int o0, int o1, int o2, int o3, int o4, int o5,
                                             int s0, int s1, int s2, int s3, int s4, int s5)
{
    const int od[6] = {o0, o1, o2, o3, o4, o5};
    const int st[6] = {s0, s1, s2, s3, s4, s5};
    long long n = 1;
    for (int d = 0; d < 6; ++d) n *= od[d];
    for (long long o = first_index(); o < n; o += grid_stride())
    {
        long long rem = o, src = 0;
        for (int d = 5; d >= 0; --d)
        {
            src += (rem % od[d]) * st[d];
            rem /= od[d];
        }
        y[o] = x[src];
    }
}

extern "C" __global__ void broadcast_backward(const float* dy, float* dx, int o0, int o1, int o2, int o3, int o4, int o5,
                                             int s0, int s1, int s2, int s3, int s4, int s5)
{
    const int od[6] = {o0, o1, o2, o3, o4, o5};
    const int st[6] = {s0, s1, s2, s3, s4, s5};
    long long os[6];
    os[5] = 1;
    for (int d = 4; d >= 0; --d) os[d] = os[d + 1] * od[d + 1];
    long long m = 1, r = 1;
    for (int d = 0; d < 6; ++d)
    {
        if (st[d] == 0) r *= od[d];
        else m *= od[d];
    }
    for (long long i = first_index(); i < m; i += grid_stride())
    {
        // Where x[i] lands in y with every broadcast coordinate at 0.
        long long rem = i, base = 0;
        for (int d = 5; d >= 0; --d)
        {
            if (st[d] == 0) continue;
            base += (rem % od[d]) * os[d];
            rem /= od[d];
        }
        float sum = 0.0f;
        for (long long k = 0; k < r; ++k)
        {
            long long kr = k, off = 0;
            for (int d = 5; d >= 0; --d)
            {
                if (st[d] != 0) continue;
                off += (kr % od[d]) * os[d];
                kr /= od[d];
            }
            sum += dy[base + off];
        }
        dx[i] += sum;
    }
}

extern "C" __global__ void maximum_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (a[i] >= b[i] || a[i] != a[i]) ? a[i] : b[i];
}

extern "C" __global__ void maximum_backward(const float* a, const float* b, const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const bool toA = a[i] >= b[i];
        if (da && toA) da[i] += dy[i];
        if (db && !toA) db[i] += dy[i];
    }
}

extern "C" __global__ void minimum_forward(const float* a, const float* b, float* y, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = (a[i] <= b[i] || a[i] != a[i]) ? a[i] : b[i];
}

extern "C" __global__ void minimum_backward(const float* a, const float* b, const float* dy, float* da, float* db, int n)
{
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const bool toA = a[i] <= b[i];
        if (da && toA) da[i] += dy[i];
        if (db && !toA) db[i] += dy[i];
    }
}

extern "C" __global__ void concat_forward(const float* x, float* y, int outer, int part, int total, int offset, int inner)
{
    const long long n = (long long)outer * part * inner;
    for (long long o = first_index(); o < n; o += grid_stride())
    {
        const long long i = o % inner, j = (o / inner) % part, q = o / ((long long)inner * part);
        y[(q * total + offset + j) * inner + i] = x[o];
    }
}

extern "C" __global__ void concat_backward(const float* dy, float* dx, int outer, int part, int total, int offset, int inner)
{
    const long long n = (long long)outer * part * inner;
    for (long long o = first_index(); o < n; o += grid_stride())
    {
        const long long i = o % inner, j = (o / inner) % part, q = o / ((long long)inner * part);
        dx[o] += dy[(q * total + offset + j) * inner + i];
    }
}
