using Engine.Backends.Cpu;

namespace Engine.Tests.Backends;

/// <summary>What the tests that run a computation on each GEMM micro-kernel ("avx512", "avx2", "scalar") and
/// at a given thread count share.</summary>
internal static class GemmKernelSupport
{
    /// <summary>Skips the test (visibly) when this CPU lacks the instructions of the named GEMM kernel.</summary>
    public static void SkipUnlessSupported(string kernel)
    {
        var supported = kernel switch
        {
            "avx512" => Avx512GemmKernel.IsSupported,
            "avx2" => Avx2GemmKernel.IsSupported,
            _ => ScalarGemmKernel.IsSupported,
        };
        if (!supported) Assert.Skip($"The {kernel} GEMM kernel needs instructions this CPU lacks.");
    }

    /// <summary>run() with CpuParallel.ThreadLimit set to <paramref name="threads"/>, restored afterwards.</summary>
    public static T WithThreads<T>(int threads, Func<T> run)
    {
        var previous = CpuParallel.ThreadLimit;
        try
        {
            CpuParallel.ThreadLimit = threads;
            return run();
        }
        finally
        {
            CpuParallel.ThreadLimit = previous;
        }
    }
}
