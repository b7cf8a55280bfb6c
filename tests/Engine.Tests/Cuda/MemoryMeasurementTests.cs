using System.Runtime.CompilerServices;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>The two measuring rules the GPU memory tests rely on, checked on a stand-in queue:
/// settled statistics do not count tensors that were forgotten (left to their finalizers) but do
/// count live ones, and the driver's free memory is compared within its stated tolerance.</summary>
public class MemoryMeasurementTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForgetTensors(CudaBackend backend, int count)
    {
        for (var i = 0; i < count; i++) CudaTestSupport.ToBackend(Tensor.Zeros(new Shape(1000)), backend);   // never disposed
    }

    [Fact]
    public void SettledStatisticsLeaveOutForgottenTensorsButCountLiveOnes()
    {
        var backend = new CudaBackend(new CheckingQueue());
        var baseline = CudaTestSupport.SettledMemoryStats(backend);
        ForgetTensors(backend, 5);
        var live = CudaTestSupport.ToBackend(Tensor.Zeros(new Shape(1000)), backend);
        var settled = CudaTestSupport.SettledMemoryStats(backend);
        // The five forgotten blocks are back in the cache; the live one (4000 B → its 4096 B class) is not.
        Assert.Equal(baseline.AllocatedBytes + 4096, settled.AllocatedBytes);
        Assert.True(settled.CachedBlocks >= 5, $"{settled.CachedBlocks} cached blocks");
        GC.KeepAlive(live);
    }

    [Fact]
    public void DriverFreeMemoryMayMoveWithinItsToleranceButNotBeyond()
    {
        const long free = 70L << 30;
        CudaTestSupport.AssertDriverFreeMemoryFlat(free, free - (2L << 20), "a window with one driver page");   // a lazily loaded module
        CudaTestSupport.AssertDriverFreeMemoryFlat(free, free + CudaTestSupport.DriverFreeMemoryTolerance, "the bound itself");
        var e = Assert.ThrowsAny<Exception>(() => CudaTestSupport.AssertDriverFreeMemoryFlat(free, free - (16L << 20), "a leaky window"));
        Assert.Contains("moved by -16777216 bytes over a leaky window", e.Message);
    }
}
