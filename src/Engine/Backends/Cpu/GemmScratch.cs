using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Backends.Cpu;

/// <summary>Per-thread packing buffers for <see cref="CpuGemm"/>, reused across calls so that a GEMM
/// allocates nothing in steady state. Pinned arrays (raw pointers into them stay valid) aligned to
/// 64 bytes so full-width SIMD loads never straddle a cache line.</summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? _current;

    private float[] _a = [];
    private float[] _b = [];
    private float[] _tile = [];
    private float[] _unfolded = [];

    public static GemmScratch ForThisThread => _current ??= new GemmScratch();

    // The first buffers already hold the default blocking's largest blocks, so a helper thread that
    // meets a bigger GEMM only late in training (whichever thread claims which tile varies) does not
    // grow its buffers then: after its first GEMM a thread's packing allocates nothing.
    private static readonly int FirstA = (GemmBlocking.Default.MC + 32) * GemmBlocking.Default.KC;
    private static readonly int FirstB = (GemmBlocking.Default.NC + 32) * GemmBlocking.Default.KC;

    /// <summary>Room for a packed block of A (MC×KC, rounded up to whole panels).</summary>
    public float* A(int floats) => Aligned(ref _a, Math.Max(floats, _a.Length == 0 ? FirstA : 0));

    /// <summary>Room for a packed block of B (KC×NC, rounded up to whole panels).</summary>
    public float* B(int floats) => Aligned(ref _b, Math.Max(floats, _b.Length == 0 ? FirstB : 0));

    /// <summary>Makes the buffers now, at their first size (a helper thread, when it starts).</summary>
    public void Reserve()
    {
        A(0);
        B(0);
        Tile(1024); // MR×NR of every kernel (at most 8×32)
    }

    /// <summary>One MR×NR tile, where edge tiles are computed before being merged into C.</summary>
    public float* Tile(int floats) => Aligned(ref _tile, floats);

    /// <summary>A chunk of unfolded input (im2col rows over a few hundred columns) for the conv kernel gradient.</summary>
    public float* Unfolded(int floats) => Aligned(ref _unfolded, floats);

    private const int AlignFloats = 16; // 64 bytes

    private static float* Aligned(ref float[] buffer, int floats)
    {
        if (buffer.Length < floats + AlignFloats)
            buffer = GC.AllocateUninitializedArray<float>(floats + AlignFloats, pinned: true);
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((start + 63) & ~(nint)63);
    }
}
