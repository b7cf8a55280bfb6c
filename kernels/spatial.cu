// Spatial rearrangements of NCHW tensors (planes = N·C).
// pad2d_forward:  y[p, oy, ox] = x[p, oy - top, ox - left] where that lies inside x, else 0
//                 (overwrites y). top/left may be negative: then it crops (Cropping2D).
// pad2d_backward: dx[p, iy, ix] += dy[p, iy + top, ix + left] where that lies inside dy (a gather).
// up_sampling2d_forward:  y[p, oy, ox] = x[p, oy / sh, ox / sw], y is [planes, h·sh, w·sw]
// up_sampling2d_backward: dx[p, iy, ix] += Σ_{a<sh, b<sw} dy[p, iy·sh + a, ix·sw + b]
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
