// transpose01: swaps the first two axes of x viewed as [a, b, c]: y[j,i,k] = x[i,j,k] (overwrites y).
// Moves convolution outputs between [F, N·P] (GEMM order) and [N, F, P] (NCHW). Works on any
// 4-byte element (float32 or int32), so it moves raw 32-bit words. One thread per output element,
// so writes are coalesced.
#include "common.cuh"

extern "C" __global__ void transpose01(const unsigned int* x, unsigned int* y, int a, int b, int c)
{
    const long long n = (long long)a * b * c;
    for (long long o = first_index(); o < n; o += grid_stride())
    {
        const long long k = o % c;
        const long long i = (o / c) % a;
        const long long j = o / ((long long)c * a);
        y[o] = x[(i * b + j) * c + k];
    }
}
