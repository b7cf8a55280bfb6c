// Depthwise convolution, NCHW. Window: kernel kh×kw, stride sh×sw, leading zero padding
// ph×pw, dilation dh×dw (input row of kernel row i at output row oy: oy·sh - ph + i·dh), output oh×ow.
// depthwise_conv2d_forward: output channel f = ci·m + q (m = depth multiplier) reads only input
//     channel ci = f / m with its own kh×kw filter filt[f, i, j] (layout [C·m, 1, kh, kw]):
//     y[b, f, oy, ox] = Σ_{i,j} x[b, f/m, oy·sh - ph + i·dh, ox·sw - pw + j·dw] · filt[f, i, j]   (overwrites y)
// depthwise_conv2d_backward_input:  dx[b, ci, iy, ix] += Σ over the (f, i, j, oy, ox) that read it of
//     dy[b, f, oy, ox] · filt[f, i, j]; a gather, one thread per input element, no atomics.
// depthwise_conv2d_backward_filter: dfilt[f, i, j] += Σ_{b, oy, ox} dy[b, f, oy, ox] · x[b, f/m, ...];
//     one block per filter element, block reduction.
#include "common.cuh"

extern "C" __global__ void depthwise_conv2d_forward(const float* x, const float* filt, float* y, int n, int c, int h, int w, int m,
                                                    int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
{
    const int f_total = c * m;
    const long long total = (long long)n * f_total * oh * ow;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ox = (int)(idx % ow), oy = (int)((idx / ow) % oh);
        const int f = (int)((idx / ((long long)ow * oh)) % f_total);
        const long long b = idx / ((long long)ow * oh * f_total);
        const float* plane = x + (b * c + f / m) * h * w;
        const float* k = filt + (long long)f * kh * kw;
        float sum = 0.0f;
        for (int i = 0; i < kh; ++i)
        {
            const int iy = oy * sh - ph + i * dh;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < kw; ++j)
            {
                const int ix = ox * sw - pw + j * dw;
                if (ix >= 0 && ix < w) sum += plane[(long long)iy * w + ix] * k[i * kw + j];
            }
        }
        y[idx] = sum;
    }
}

extern "C" __global__ void depthwise_conv2d_backward_input(const float* dy, const float* filt, float* dx, int n, int c, int h, int w, int m,
                                                           int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
{
    const long long total = (long long)n * c * h * w;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ix = (int)(idx % w), iy = (int)((idx / w) % h);
        const int ci = (int)((idx / ((long long)w * h)) % c);
        const long long b = idx / ((long long)w * h * c);
        float sum = 0.0f;
        for (int q = 0; q < m; ++q)
        {
            const int f = ci * m + q;
            const float* g = dy + (b * c * m + f) * oh * ow;
            const float* k = filt + (long long)f * kh * kw;
            for (int i = 0; i < kh; ++i)
            {
                const int ty = iy + ph - i * dh;          // = oy·sh for the output row that reads iy through kernel row i
                if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
                for (int j = 0; j < kw; ++j)
                {
                    const int tx = ix + pw - j * dw;
                    if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
                    sum += g[(long long)(ty / sh) * ow + tx / sw] * k[i * kw + j];
                }
            }
        }
        dx[idx] += sum;
    }
}

extern "C" __global__ void depthwise_conv2d_backward_filter(const float* x, const float* dy, float* dfilt, int n, int c, int h, int w, int m,
                                                            int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
{
    const int f_total = c * m;
    const int elements = f_total * kh * kw;
    const long long per_element = (long long)n * oh * ow;
    for (int e = blockIdx.x; e < elements; e += gridDim.x)
    {
        const int j = e % kw, i = (e / kw) % kh, f = e / (kw * kh);
        float sum = 0.0f;
        for (long long t = threadIdx.x; t < per_element; t += blockDim.x)
        {
            const int ox = (int)(t % ow), oy = (int)((t / ow) % oh);
            const long long b = t / ((long long)ow * oh);
            const int iy = oy * sh - ph + i * dh, ix = ox * sw - pw + j * dw;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                sum += dy[((b * f_total + f) * oh + oy) * ow + ox] * x[((b * c + f / m) * h + iy) * w + ix];
        }
        sum = block_sum(sum);
        if (threadIdx.x == 0) dfilt[e] += sum;
    }
}
