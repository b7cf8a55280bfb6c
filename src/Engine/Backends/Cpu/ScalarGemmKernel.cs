namespace Engine.Backends.Cpu;

/// <summary>Portable 4×4 tile in plain C#: the fallback where no SIMD kernel fits the machine.
/// Still benefits from packing (contiguous, cache-resident panels).</summary>
internal readonly struct ScalarGemmKernel : IGemmKernel
{
    public static int MR => 4;
    public static int NR => 4;
    public static bool IsSupported => true;

    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float beta)
    {
        var acc = stackalloc float[16];
        for (var i = 0; i < 16; i++) acc[i] = 0;
        for (var p = 0; p < kc; p++, a += 4, b += 4)
            for (var r = 0; r < 4; r++)
            {
                var ar = a[r];
                acc[r * 4 + 0] += ar * b[0];
                acc[r * 4 + 1] += ar * b[1];
                acc[r * 4 + 2] += ar * b[2];
                acc[r * 4 + 3] += ar * b[3];
            }
        for (var r = 0; r < 4; r++)
            for (var j = 0; j < 4; j++)
            {
                var old = beta == 0 ? 0f : beta * c[r * ldc + j];
                c[r * ldc + j] = acc[r * 4 + j] + old;
            }
    }
}
