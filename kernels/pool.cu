// 2-D pooling over NCHW x[n, c, h, w] with window kh×kw, stride sh×sw, padding ph×pw, output oh×ow.
// max_pool2d_forward:  y[o] = max over the window; argmax[o] = flat index into x of the chosen element
//                      (int32; the first maximum in row-major window order; padding never wins; a
//                      window with no element inside the image gives 0 and argmax -1).
// max_pool2d_backward: dx[argmax[o]] += dy[o] for o < total; overlapping windows add up (atomicAdd).
// avg_pool2d_forward:  y[o] = mean over the window, counting only elements inside the image
//                      (Keras's rule for 'same' padding).
// avg_pool2d_backward: dx[window elements] += dy[o] / count(window), written as a gather per input
//                      element (no atomics).
#include "common.cuh"

extern "C" __global__ void max_pool2d_forward(const float* x, float* y, int* argmax, int n, int c, int h, int w, int kh, int kw,
                                              int sh, int sw, int ph, int pw, int oh, int ow)
{
    const long long total = (long long)n * c * oh * ow;
    for (long long o = first_index(); o < total; o += grid_stride())
    {
        const int ox = (int)(o % ow), oy = (int)((o / ow) % oh);
        const long long plane = o / ((long long)ow * oh);          // b·c + ci
        const long long base = plane * h * w;
        float best = NEG_INF;
        long long best_at = -1;
        for (int i = 0; i < kh; ++i)
        {
            const int iy = oy * sh - ph + i;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < kw; ++j)
            {
                const int ix = ox * sw - pw + j;
                if (ix < 0 || ix >= w) continue;
                const long long at = base + (long long)iy * w + ix;
                const float v = x[at];
                if (best_at < 0 || v > best) { best = v; best_at = at; }
            }
        }
        y[o] = best_at < 0 ? 0.0f : best;          // a window wholly in the padding: 0, argmax -1 (as the CPU twin)
        argmax[o] = (int)best_at;
    }
}

extern "C" __global__ void max_pool2d_backward(const float* dy, const int* argmax, float* dx, int total)
{
    for (long long o = first_index(); o < total; o += grid_stride())
    {
        const int at = argmax[o];
        if (at >= 0) atomicAdd(dx + at, dy[o]);
    }
}

// Number of window elements inside the image for output (oy, ox).
__device__ __forceinline__ int window_count(int oy, int ox, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
{
    const int y0 = oy * sh - ph, x0 = ox * sw - pw;
    const int rows = min(y0 + kh, h) - max(y0, 0), cols = min(x0 + kw, w) - max(x0, 0);
    return rows > 0 && cols > 0 ? rows * cols : 0;
}

extern "C" __global__ void avg_pool2d_forward(const float* x, float* y, int n, int c, int h, int w, int kh, int kw,
                                              int sh, int sw, int ph, int pw, int oh, int ow)
{
    const long long total = (long long)n * c * oh * ow;
    for (long long o = first_index(); o < total; o += grid_stride())
    {
        const int ox = (int)(o % ow), oy = (int)((o / ow) % oh);
        const long long base = (o / ((long long)ow * oh)) * h * w;
        float sum = 0.0f;
        for (int i = 0; i < kh; ++i)
        {
            const int iy = oy * sh - ph + i;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < kw; ++j)
            {
                const int ix = ox * sw - pw + j;
                if (ix >= 0 && ix < w) sum += x[base + (long long)iy * w + ix];
            }
        }
        const int count = window_count(oy, ox, h, w, kh, kw, sh, sw, ph, pw);
        y[o] = count > 0 ? sum / (float)count : 0.0f;
    }
}

extern "C" __global__ void avg_pool2d_backward(const float* dy, float* dx, int n, int c, int h, int w, int kh, int kw,
                                               int sh, int sw, int ph, int pw, int oh, int ow)
{
    const long long total = (long long)n * c * h * w;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ix = (int)(idx % w), iy = (int)((idx / w) % h);
        const long long plane = idx / ((long long)w * h);
        const float* dyp = dy + plane * oh * ow;
        float sum = 0.0f;
        for (int i = 0; i < kh; ++i)
        {
            const int ty = iy + ph - i;               // = oy·sh for the window whose row i is iy
            if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
            const int oy = ty / sh;
            for (int j = 0; j < kw; ++j)
            {
                const int tx = ix + pw - j;
                if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
                const int ox = tx / sw;
                sum += dyp[(long long)oy * ow + ox] / (float)window_count(oy, ox, h, w, kh, kw, sh, sw, ph, pw);
            }
        }
        dx[idx] += sum;
    }
}
