namespace Engine.Backends;

/// <summary>The counter-based random numbers that dropout uses: element i of a call with seed s
/// gets Uniform(s, i), a pure function, so the CPU and every GPU thread draw identical masks
/// without sharing state. kernels/dropout.cu implements the same SplitMix64 finaliser.</summary>
public static class CounterRng
{
    public static ulong Hash(ulong seed, uint index)
    {
        var z = seed + (index + 1UL) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) from the top 24 bits: exactly representable as float32 too.</summary>
    public static float Uniform(ulong seed, uint index) => (Hash(seed, index) >> 40) * (1.0f / (1 << 24));
}
