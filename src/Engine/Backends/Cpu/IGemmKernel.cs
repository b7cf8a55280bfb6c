namespace Engine.Backends.Cpu;

/// <summary>A register-blocked micro-kernel: the innermost loop of <see cref="CpuGemm"/>. It multiplies
/// one packed MR×kc panel of A by one packed kc×NR panel of B and writes the MR×NR tile of C.
/// Implemented by structs so that CpuGemm&lt;TKernel&gt; is specialized by the JIT (MR and NR become
/// constants and the call is direct).</summary>
internal interface IGemmKernel
{
    /// <summary>Rows of C per tile (each is one broadcast of an A value per step of k).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C per tile (whole SIMD registers of B per step of k).</summary>
    static abstract int NR { get; }

    /// <summary>Whether this machine can run the kernel.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>c[r·ldc + j] = Σ_p a[p·MR + r]·b[p·NR + j] + beta·c[r·ldc + j] for r &lt; MR, j &lt; NR.
    /// beta = 0 never reads c (it may hold NaN garbage).</summary>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float beta);
}
