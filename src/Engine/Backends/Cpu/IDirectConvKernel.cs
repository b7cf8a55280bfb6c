namespace Engine.Backends.Cpu;

/// <summary>The register block of <see cref="CpuDirectConv"/>: Filters output channels × Vectors SIMD
/// vectors of consecutive positions, accumulated over every tap, then finished into NCHW. Implemented
/// by structs so that the generic driver is specialized per instruction set (like IGemmKernel).</summary>
internal interface IDirectConvKernel
{
    /// <summary>Floats per SIMD vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>Output channels per block (one broadcast weight each per tap).</summary>
    static abstract int Filters { get; }

    /// <summary>Vectors of positions per block (one load each per tap).</summary>
    static abstract int Vectors { get; }

    /// <summary>Whether this machine can run the kernel.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>tile[r·Lanes·Vectors + p] = Σ_c Σ_t w[(c·taps + t)·Filters + r]·x[c·channelPlanes + offsets[t] + p]:
    /// one fused multiply-add chain per value from zero, over c then t.</summary>
    static abstract unsafe void Block(float* x, long channelPlanes, int channels, int* offsets, int taps, float* w, float* tile);

    /// <summary>One finished vector (Lanes floats at src): + shift then ReLU (v ≤ 0 → 0, NaN kept), or
    /// added to what is there when accumulate; stored lane-masked: segment s in [first, end) writes
    /// the lanes set in masks[s·Lanes..] at plane + destinations[s].</summary>
    static abstract unsafe void Finish(float* src, float shift, bool relu, bool accumulate, float* masks, int* destinations, int first, int end, float* plane);
}
