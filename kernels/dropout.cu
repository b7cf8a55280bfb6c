// Inverted dropout with a counter-based RNG, identical to Engine.Backends.CounterRng:
//   u(seed, i) = (SplitMix64 finaliser of seed + (i + 1)·0x9E3779B97F4A7C15) >> 40, scaled by 2^-24
//   mask[i] = u < rate ? 0 : 1/(1-rate);  y = x · mask
// u is compared with rate in double (k·2^-24 < rate exactly as the CPU compares a float u with a
// double rate), so the GPU and the CPU drop exactly the same elements.
#include "common.cuh"

__device__ __forceinline__ unsigned long long counter_hash(unsigned long long seed, unsigned int index)
{
    unsigned long long z = seed + ((unsigned long long)index + 1ull) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

extern "C" __global__ void dropout_forward(const float* x, float* y, float* mask, int n, double rate, unsigned long long seed)
{
    const float keep_scale = (float)(1.0 / (1.0 - rate));
    for (long long i = first_index(); i < n; i += grid_stride())
    {
        const double u = (double)(counter_hash(seed, (unsigned int)i) >> 40) * (1.0 / 16777216.0);
        const float m = u < rate ? 0.0f : keep_scale;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}
