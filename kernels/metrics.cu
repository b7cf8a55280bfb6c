// argmax_accuracy_count: count[0] += number of rows r of scores [rows, cols] whose argmax (the
// first maximum, as numpy's argmax) equals labels[r] (int32). Accumulates on the device, so a
// training loop reads the metric once per epoch instead of synchronising every step. One warp
// per row; the count is a float (exact up to 2^24 rows).
#include "common.cuh"

extern "C" __global__ void argmax_accuracy_count(const float* scores, const int* labels, float* count, int rows, int cols)
{
    const int lane = threadIdx.x & 31;
    const long long warp = first_index() >> 5, warps = grid_stride() >> 5;
    for (long long r = warp; r < rows; r += warps)
    {
        const float* row = scores + r * cols;
        float best = NEG_INF;
        int best_at = -1;
        for (int j = lane; j < cols; j += 32)
            if (best_at < 0 || row[j] > best) { best = row[j]; best_at = j; }
        // Combine lanes: the larger value wins; on a tie the smaller index (the first maximum).
        for (int offset = 16; offset > 0; offset >>= 1)
        {
            const float other = __shfl_xor_sync(0xffffffffu, best, offset);
            const int other_at = __shfl_xor_sync(0xffffffffu, best_at, offset);
            if (other_at >= 0 && (best_at < 0 || other > best || (other == best && other_at < best_at)))
            {
                best = other;
                best_at = other_at;
            }
        }
        if (lane == 0 && best_at == labels[r]) atomicAdd(count, 1.0f);
    }
}
