namespace Engine.Backends.Cpu;

/// <summary>The portable twin of the SIMD weight-gradient blocks: one position per step (Lanes = 1),
/// each of the 2 × 3 sums a plain chain over (image, position).</summary>
internal readonly struct ScalarDirectWeightGradKernel : IDirectWeightGradKernel
{
    public static int Lanes => 1;
    public static int Filters => 2;
    public static int Taps => 3;
    public static bool IsSupported => true;

    public static unsafe void Block(float* dz, long dzImage, float* x0, float* x1, float* x2, long xImage, int images, int vectors,
        float* sums)
    {
        float c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0;
        for (var b = 0; b < images; b++)
        {
            var d = dz + b * dzImage;
            var s0 = x0 + b * xImage;
            var s1 = x1 + b * xImage;
            var s2 = x2 + b * xImage;
            for (var v = 0; v < vectors; v++, d += 2)
            {
                var (a0, a1, a2) = (s0[v], s1[v], s2[v]);
                c00 += d[0] * a0;
                c01 += d[0] * a1;
                c02 += d[0] * a2;
                c10 += d[1] * a0;
                c11 += d[1] * a1;
                c12 += d[1] * a2;
            }
        }
        sums[0] += c00;
        sums[1] += c10;
        sums[2] += c01;
        sums[3] += c11;
        sums[4] += c02;
        sums[5] += c12;
    }
}
