// Spatial rearrangements of NCHW tensors (planes = N·C) and the N-d transpose.
// pad2d_forward:  y[p, oy, ox] = x[p, oy - top, ox - left] where that lies inside x, else 0
//                 (overwrites y). top/left may be negative: then it crops (Cropping2D).
// pad2d_backward: dx[p, iy, ix] += dy[p, iy + top, ix + left] where that lies inside dy (a gather).
// up_sampling2d_forward:  y[p, oy, ox] = x[p, oy / sh, ox / sw], y is [planes, h·sh, w·sw]
// up_sampling2d_backward: dx[p, iy, ix] += Σ_{a<sh, b<sw} dy[p, iy·sh + a, ix·sw + b]
// transpose_nd: y = x with its axes permuted (rank ≤ 8, any 4-byte element). For each output axis
//               a the host passes d_a = y.shape[a] and s_a = the row-major stride in x of the input
//               axis that becomes axis a; unused trailing axes have d = 1, s = 0.
#include "common.cuh"

extern "C" __global__ void pad2d_forward(const float* x, float* y, int planes, int h, int w, int top, int left, int oh, int ow)
{
    const long long total = (long long)planes * oh * ow;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ox = (int)(idx % ow), oy = (int)((idx / ow) % oh);
        const long long p = idx / ((long long)ow * oh);
        const int iy = oy - top, ix = ox - left;
        y[idx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(p * h + iy) * w + ix] : 0.0f;
    }
}

extern "C" __global__ void pad2d_backward(const float* dy, float* dx, int planes, int h, int w, int top, int left, int oh, int ow)
{
    const long long total = (long long)planes * h * w;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ix = (int)(idx % w), iy = (int)((idx / w) % h);
        const long long p = idx / ((long long)w * h);
        const int oy = iy + top, ox = ix + left;
        if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) dx[idx] += dy[(p * oh + oy) * ow + ox];
    }
}

extern "C" __global__ void up_sampling2d_forward(const float* x, float* y, int planes, int h, int w, int sh, int sw)
{
    const int oh = h * sh, ow = w * sw;
    const long long total = (long long)planes * oh * ow;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ox = (int)(idx % ow), oy = (int)((idx / ow) % oh);
        const long long p = idx / ((long long)ow * oh);
        y[idx] = x[(p * h + oy / sh) * w + ox / sw];
    }
}

extern "C" __global__ void up_sampling2d_backward(const float* dy, float* dx, int planes, int h, int w, int sh, int sw)
{
    const int oh = h * sh, ow = w * sw;
    const long long total = (long long)planes * h * w;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ix = (int)(idx % w), iy = (int)((idx / w) % h);
        const long long p = idx / ((long long)w * h);
        float sum = 0.0f;
        for (int a = 0; a < sh; ++a)
            for (int b = 0; b < sw; ++b) sum += dy[(p * oh + iy * sh + a) * ow + ix * sw + b];
        dx[idx] += sum;
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
