namespace Engine.Backends.Cpu;

/// <summary>The register block of <see cref="CpuDirectWeightGrad"/>: Filters output channels × Taps
/// unfolded rows (consecutive (c, i, j) entries of the kernel) of the weight gradient, each a sum over
/// positions accumulated lane by lane in SIMD registers and reduced to one float at the end.
/// Implemented by structs so that the generic driver is specialized per instruction set.</summary>
internal interface IDirectWeightGradKernel
{
    /// <summary>Floats per SIMD vector (positions per step).</summary>
    static abstract int Lanes { get; }

    /// <summary>Output channels per block.</summary>
    static abstract int Filters { get; }

    /// <summary>Unfolded rows per block (one x stream each).</summary>
    static abstract int Taps { get; }

    /// <summary>Whether this machine can run the kernel.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>For r &lt; Filters, t &lt; Taps: sums[t·Filters + r] += Σ over images b &lt; images, vectors v &lt; vectors
    /// and lanes l of dz[b·dzImage + (v·Filters + r)·Lanes + l] · x_t[b·xImage + v·Lanes + l], where x_t is
    /// x0, x1, x2 for t = 0, 1, 2. Each lane's products are chained in (b, v) order from zero; the lanes are
    /// then added in a fixed tree, and that one float is added to sums.</summary>
    static abstract unsafe void Block(float* dz, long dzImage, float* x0, float* x1, float* x2, long xImage, int images, int vectors,
        float* sums);
}
