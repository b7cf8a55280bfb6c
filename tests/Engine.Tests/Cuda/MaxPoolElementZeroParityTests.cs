using Engine.Backends;
using Engine.Tests.Backends;

namespace Engine.Tests.Cuda;

/// <summary>The GPU max-pool against its CPU twin when a window's maximum is flat element 0 of the
/// input (the hand-computed values are pinned on the CPU in <see cref="MaxPoolElementZeroTests"/>).
/// Skips with the reason without a GPU or the kernel emulator.</summary>
[Collection(CudaCollection.Name)]
public class MaxPoolElementZeroParityTests : CudaParityTestBase
{
    private static CpuBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void ElementZeroWinsForwardAndGetsItsGradientOnBothBackends()
    {
        var x = P.Values(MaxPoolElementZeroTests.Image, 1, 1, 4, 4);
        var y = P.Values(new float[4], 1, 1, 2, 2);
        var argmax = P.Ints(4, 1);
        var g = new Pool2DGeometry { N = 1, C = 1, H = 4, W = 4, KH = 2, KW = 2, SH = 2, SW = 2, PH = 0, PW = 0, OH = 2, OW = 2 };
        Cpu.MaxPool2DForward(x.Cpu, y.Cpu, argmax.Cpu, g);
        P.Gpu.MaxPool2DForward(x.Gpu, y.Gpu, argmax.Gpu, g);
        Close("max_pool2d_forward", y.Cpu, y.Gpu, 0, 0);
        Assert.Equal(0, argmax.Gpu.ToArray<int>()[0]);
        Assert.Equal(argmax.Cpu.ToArray<int>(), argmax.Gpu.ToArray<int>());

        var dy = P.Values([10, 20, 30, 40], 1, 1, 2, 2);
        var dx = P.Values(Enumerable.Repeat(0.5f, 16).ToArray(), 1, 1, 4, 4);
        Cpu.MaxPool2DBackward(dy.Cpu, argmax.Cpu, dx.Cpu, 4);
        P.Gpu.MaxPool2DBackward(dy.Gpu, argmax.Gpu, dx.Gpu, 4);
        Close("max_pool2d_backward", dx.Cpu, dx.Gpu, 0, 0);
        Assert.Equal(10.5f, dx.Gpu.ToArray<float>()[0]);
    }
}
