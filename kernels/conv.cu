// Convolution by unfolding (the GEMM is cuBLAS's job). Layout NCHW; kernel kh×kw, stride sh×sw,
// leading zero padding ph×pw, dilation dh×dw (kernel taps dh rows / dw columns apart), output oh×ow.
// im2col: col[(ci·kh + i)·kw + j, (b·oh + y)·ow + x] = x[b, ci, y·sh - ph + i·dh, x·sw - pw + j·dw]
//         (0 outside the image): one column per output pixel of the whole batch, so
//         W[F, C·kh·kw] · col = out[F, N·oh·ow]. One thread per col element, writes coalesced.
// col2im: the adjoint: dx[b, ci, h, w] += every col entry that im2col read from it. Written as a
//         gather (each input pixel sums the entries that came from it), so no atomics are needed
//         and the result does not depend on thread timing.
#include "common.cuh"

extern "C" __global__ void im2col(const float* x, float* col, int n, int c, int h, int w, int kh, int kw,
                                  int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
{
    const long long cols = (long long)n * oh * ow;
    const long long total = (long long)c * kh * kw * cols;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const long long p = idx % cols;
        const int row = (int)(idx / cols);
        const int ox = (int)(p % ow), oy = (int)((p / ow) % oh), b = (int)(p / ((long long)ow * oh));
        const int j = row % kw, i = (row / kw) % kh, ci = row / (kw * kh);
        const int iy = oy * sh - ph + i * dh, ix = ox * sw - pw + j * dw;
        col[idx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(((long long)b * c + ci) * h + iy) * w + ix] : 0.0f;
    }
}

extern "C" __global__ void col2im(const float* col, float* dx, int n, int c, int h, int w, int kh, int kw,
                                  int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow)
{
    const long long cols = (long long)n * oh * ow;
    const long long total = (long long)n * c * h * w;
    for (long long idx = first_index(); idx < total; idx += grid_stride())
    {
        const int ix = (int)(idx % w), iy = (int)((idx / w) % h);
        const int ci = (int)((idx / ((long long)w * h)) % c), b = (int)(idx / ((long long)w * h * c));
        float sum = 0.0f;
        for (int i = 0; i < kh; ++i)
        {
            const int ty = iy + ph - i * dh;          // = oy·sh for the output row that reads (iy) through kernel row i
            if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
            const int oy = ty / sh;
            for (int j = 0; j < kw; ++j)
            {
                const int tx = ix + pw - j * dw;
                if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
                const int ox = tx / sw;
                const long long row = ((long long)ci * kh + i) * kw + j;
                sum += col[row * cols + ((long long)b * oh + oy) * ow + ox];
            }
        }
        dx[idx] += sum;
    }
}
