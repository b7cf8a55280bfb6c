// common.cuh — helpers every kernel file includes ("common.cuh" is handed to NVRTC in memory; no
// toolkit header is ever included, so the same sources compile with a bare NVRTC in CI).
//
// Conventions: buffers are contiguous float32 (int32 for labels and indices); element loops are
// grid-stride loops with 64-bit indices, so any launch size covers any n; row and channel kernels
// give one block per row/channel (looping when there are more rows than blocks) and reduce with
// warp shuffles. Block sizes are multiples of 32 (the host guarantees it).
#pragma once

#define NEG_INF (__int_as_float(0xff800000))

// First index of this thread and the stride of a grid-stride loop over n elements.
__device__ __forceinline__ long long first_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ long long grid_stride() { return (long long)blockDim.x * gridDim.x; }

__device__ __forceinline__ float warp_sum(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// Sum of v over the whole block, returned to every thread. Every thread of the block must call it
// (it synchronises). The leading barrier lets it be called repeatedly in one kernel.
__device__ float block_sum(float v)
{
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < warps; ++w) total += partial[w];
    return total;
}

__device__ float block_max(float v)
{
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    float best = NEG_INF;
    for (int w = 0; w < warps; ++w) best = fmaxf(best, partial[w]);
    return best;
}

// The overflow-free logistic function, written exactly like CpuBackend.Sigmoid.
__device__ __forceinline__ float stable_sigmoid(float v)
{
    if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
    const float e = expf(v);
    return e / (1.0f + e);
}
