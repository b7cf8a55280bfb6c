// transpose01: swaps the first two axes of x viewed as [a, b, c]: y[j,i,k] = x[i,j,k] (overwrites y).
// Moves convolution outputs between [F, N·P] (GEMM order) and [N, F, P] (NCHW). Works on any
// 4-byte element (float32 or int32), so it moves raw 32-bit words. One thread per output element,
// so writes are coalesced.
// transpose_nd: y = x with its axes permuted (rank ≤ 8, any 4-byte element). For each output axis
//               a the host passes d_a = y.shape[a] and s_a = the row-major stride in x of the input
//               axis that becomes axis a; unused trailing axes have d = 1, s = 0.
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

extern "C" __global__ void transpose_nd(const unsigned int* x, unsigned int* y, int total,
                                        int d0, int d1, int d2, int d3, int d4, int d5, int d6, int d7,
                                        int s0, int s1, int s2, int s3, int s4, int s5, int s6, int s7)
{
    const int d[8] = { d0, d1, d2, d3, d4, d5, d6, d7 };
    const int s[8] = { s0, s1, s2, s3, s4, s5, s6, s7 };
    for (long long o = first_index(); o < total; o += grid_stride())
    {
        long long rest = o, from = 0;
        for (int a = 7; a >= 0; --a)
        {
            from += (rest % d[a]) * s[a];
            rest /= d[a];
        }
        y[o] = x[from];
    }
}
