// emu_shim.h — just enough of CUDA's device language for g++ to compile kernels/*.cu for the CPU
// kernel emulator (a development check for machines without a GPU; see README.md here).
// Every GPU thread of a block is a fiber on one CPU thread; __syncthreads and warp shuffles are
// cooperative barriers over the block or the warp, so block reductions and warp shuffles execute
// with real CUDA semantics (and a divergent barrier shows up as a reported deadlock).
#pragma once
#include <math.h>
#include <string.h>
#include <algorithm>

struct dim3 { unsigned x = 1, y = 1, z = 1; };

struct EmuThread;
extern thread_local EmuThread* emu_current_thread;
extern thread_local dim3 emu_block_idx;
extern dim3 emu_block_dim, emu_grid_dim;
const dim3& emu_thread_idx();
void emu_syncthreads();
float emu_shfl_xor_f(float v, int lane_mask);
int emu_shfl_xor_i(int v, int lane_mask);

#define threadIdx (emu_thread_idx())
#define blockIdx emu_block_idx
#define blockDim emu_block_dim
#define gridDim emu_grid_dim

// Device functions get internal linkage: every kernel file defines its own copy of common.cuh's helpers.
#define __global__
#define __device__ static
#define __forceinline__ inline
#define __shared__ thread_local
#define __restrict__

inline void __syncthreads() { emu_syncthreads(); }
inline float __shfl_xor_sync(unsigned, float v, int m) { return emu_shfl_xor_f(v, m); }
inline int __shfl_xor_sync(unsigned, int v, int m) { return emu_shfl_xor_i(v, m); }
// One CPU thread runs all fibers, so a plain read-modify-write is atomic.
inline float atomicAdd(float* address, float v) { float old = *address; *address = old + v; return old; }
inline double atomicAdd(double* address, double v) { double old = *address; *address = old + v; return old; }
inline float __int_as_float(unsigned v) { float f; memcpy(&f, &v, 4); return f; }
using std::min;
using std::max;
