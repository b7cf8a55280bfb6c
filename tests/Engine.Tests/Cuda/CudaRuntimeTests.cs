using Engine.Autograd;
using Engine.Backends;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Behaviour of the real GPU backend: errors, memory, and training on Device.Cuda(0)
/// through the ordinary ops. Skipped without a GPU.</summary>
[Collection(CudaCollection.Name)]
public class CudaRuntimeTests
{
    [Fact]
    public void OutOfMemoryRaisesTypedExceptionAndBackendStillWorks()
    {
        var gpu = CudaTestSupport.RequireGpu("the driver's own out-of-memory answer and free/total bytes");
        var e = Assert.Throws<CudaOutOfMemoryException>(() => gpu.AllocateBytes(1L << 50));   // 1 PiB
        Assert.Equal(1L << 50, e.RequestedBytes);
        Assert.True(e.TotalBytes > 0 && e.FreeBytes <= e.TotalBytes, e.Message);
        Assert.Contains("out of memory", e.Message);
        Assert.Contains("cuda:0", e.Message);

        var x = Tensor.FromArray(new[] { -1f, 2f, -3f, 4f }, new Shape(4), Device.Cuda(0));
        var y = Tensor.Empty(new Shape(4), DType.Float32, Device.Cuda(0));
        gpu.ReluForward(x, y, 4);
        Assert.Equal(new[] { 0f, 2f, 0f, 4f }, y.ToArray<float>());
    }

    [Fact]
    public void InvalidLaunchConfigurationNamesTheKernel()
    {
        var gpu = CudaTestSupport.RequireGpu("the driver's launch-configuration check");
        var x = Tensor.Zeros(new Shape(8), device: Device.Cuda(0));
        var k = "relu_forward";
        var e = Assert.Throws<CudaException>(() =>
            gpu.Launch(k, new LaunchShape(GridX: 1, BlockX: 4096), gpu.F32(x, 8, k), gpu.F32(x, 8, k), 8));   // > 1024 threads per block
        Assert.Equal("relu_forward", e.Kernel);
        Assert.Contains("relu_forward", e.Message);
        Assert.Contains("cuLaunchKernel", e.Message);
        Assert.False(e.PoisonsContext);
        gpu.ReluForward(x, x, 8);                       // a configuration error is not sticky
        gpu.Synchronize();
    }

    [Fact]
    public void EventTimingMeasuresQueuedWork()
    {
        var gpu = CudaTestSupport.RequireGpu("CUDA events timing work on a GPU");
        var x = Tensor.Zeros(new Shape(1 << 24), device: Device.Cuda(0));
        var ms = gpu.TimeMilliseconds(() =>
        {
            for (var i = 0; i < 20; i++) gpu.ReluForward(x, x, x.Size);
        });
        Assert.True(ms > 0 && ms < 10_000, $"{ms} ms");
    }

    [Fact]
    public void Float64KernelsAreRefusedByNameButAccumulatorsWork()
    {
        var device = CudaTestSupport.TrainingDevice();
        var gpu = CudaTestSupport.BackendOf(device);
        var acc = Tensor.Full(new Shape(3), 2.25, DType.Float64, device);      // fill_f64
        Assert.Equal(new[] { 2.25, 2.25, 2.25 }, acc.ToArray<double>());
        var e = Assert.Throws<NotSupportedException>(() => gpu.ExpForward(acc, acc, 3));
        Assert.Contains("exp_forward", e.Message);
        Assert.Contains("float64", e.Message);
    }

    [Fact]
    public void DeviceMemoryIsFlatOverManyAllocFreeCycles()
    {
        var device = CudaTestSupport.TrainingDevice();
        var gpu = CudaTestSupport.BackendOf(device);
        var sizes = new[] { 1, 1000, 4097, 300_000, 2_000_001 };
        void Cycle(int i)
        {
            using var scope = new TensorScope();
            var a = Tensor.Full(new Shape(sizes[i % sizes.Length]), 1.5, device: device);
            var b = Tensor.Empty(a.Shape, DType.Float32, device);
            gpu.ReluForward(a, b, a.Size);
        }
        for (var i = 0; i < 100; i++) Cycle(i);          // warm-up fills the cache
        gpu.Synchronize();
        var before = gpu.MemoryStats;
        var freeBefore = gpu.DeviceMemory.FreeBytes;
        var cycles = CudaTestSupport.IsEmulated(gpu) ? 300 : 10_000;
        for (var i = 0; i < cycles; i++) Cycle(i);
        gpu.Synchronize();
        var after = gpu.MemoryStats;
        Assert.Equal(before.DriverAllocations, after.DriverAllocations);
        Assert.Equal(before.ReservedBytes, after.ReservedBytes);
        Assert.True(Math.Abs(gpu.DeviceMemory.FreeBytes - freeBefore) <= 2L << 20, $"device free memory moved by {gpu.DeviceMemory.FreeBytes - freeBefore} bytes");
    }

    /// <summary>A small MLP regression trained with the ordinary ops on both devices from the same
    /// weights: the loss curves agree to 1e-3 relative at every 20th step, and the GPU run
    /// allocates no device memory after warm-up.</summary>
    [Fact]
    public void MlpTrainsIdenticallyOnCpuAndGpuWithFlatMemory()
    {
        var device = CudaTestSupport.TrainingDevice();
        var cpuLosses = Train(Device.Cpu, 200, out _);
        var gpuLosses = Train(device, 200, out var stats);
        for (var step = 0; step < 200; step += 20)
            Assert.True(Math.Abs(gpuLosses[step] - cpuLosses[step]) <= 1e-3 * Math.Abs(cpuLosses[step]),
                $"step {step}: cpu loss {cpuLosses[step]:G9}, gpu loss {gpuLosses[step]:G9}");
        Assert.True(cpuLosses[199] < 0.5 * cpuLosses[0], $"the model did not learn: {cpuLosses[0]} -> {cpuLosses[199]}");
        Assert.Equal(stats.AfterWarmup.DriverAllocations, stats.AtEnd.DriverAllocations);
    }

    private static double[] Train(Device device, int steps, out (CudaMemoryStats AfterWarmup, CudaMemoryStats AtEnd) stats)
    {
        var rng = new Rng(99);
        var x = Tensor.RandomNormal(new Shape(64, 13), rng).To(device);
        var target = Tensor.RandomNormal(new Shape(64, 3), rng).To(device);
        var w1 = Tensor.RandomNormal(new Shape(13, 31), rng, std: 0.3).To(device);
        var b1 = Tensor.Zeros(new Shape(31), device: device);
        var w2 = Tensor.RandomNormal(new Shape(31, 3), rng, std: 0.3).To(device);
        var b2 = Tensor.Zeros(new Shape(3), device: device);
        Tensor[] weights = [w1, b1, w2, b2];
        foreach (var w in weights) w.RequiresGrad = true;
        var losses = new double[steps];
        CudaMemoryStats warm = default!;
        for (var step = 0; step < steps; step++)
        {
            using (new TensorScope())
            {
                var h = Ops.Relu(Ops.Linear(x, w1, b1));
                var diff = Ops.Sub(Ops.Linear(h, w2, b2), target);
                var loss = Ops.Mean(Ops.Mul(diff, diff));
                loss.Backward();
                losses[step] = loss.Item();
            }
            foreach (var w in weights)
            {
                w.Backend.Axpy(-0.05, w.Grad!, w, w.Size);
                w.ZeroGrad();
            }
            if (step == 9 && device.IsCuda) warm = CudaTestSupport.BackendOf(device).MemoryStats;
        }
        stats = device.IsCuda ? (warm, CudaTestSupport.BackendOf(device).MemoryStats) : default;
        return losses;
    }
}

/// <summary>Error messages, checked without a GPU.</summary>
public class CudaErrorMessageTests
{
    [Fact]
    public void StickyErrorSaysTheContextIsPoisonedAndNamesTheLastKernel()
    {
        var e = CudaCheck.Error(CuResult.IllegalAddress, "Driver.cuStreamSynchronize(_stream)", kernel: null, lastKernel: "max_pool2d_backward");
        Assert.True(e.PoisonsContext);
        Assert.Equal("CUDA_ERROR_ILLEGAL_ADDRESS", e.StatusName);
        Assert.Equal("max_pool2d_backward", e.Kernel);
        Assert.Contains("CUDA_ERROR_ILLEGAL_ADDRESS", e.Message);
        Assert.Contains("max_pool2d_backward", e.Message);
        Assert.Contains("sticky", e.Message);
        Assert.Contains("ENGINE_CUDA_SYNC=1", e.Message);
        Assert.Contains("cuStreamSynchronize", e.Message);
    }

    /// <summary>cuda.h: after these the process "must be terminated and relaunched"; 999 is the driver
    /// not knowing what broke. Status names as the fallback gives them (no driver here).</summary>
    [Theory]
    [InlineData(710, "CUDA_ERROR_ASSERT")]
    [InlineData(214, "CUDA_ERROR_ECC_UNCORRECTABLE")]
    [InlineData(999, "CUDA_ERROR_UNKNOWN")]
    [InlineData(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [InlineData(719, "CUDA_ERROR_LAUNCH_FAILED")]
    public void StickyErrorsPoisonTheContext(int code, string name)
    {
        var status = (CuResult)code;
        Assert.True(status.IsSticky());
        Assert.Equal(name, status.FallbackName());
        var e = CudaCheck.Error(status, "Driver.cuStreamSynchronize(_stream)", kernel: null, lastKernel: "softmax_forward");
        Assert.True(e.PoisonsContext);
        var poison = new ContextPoison();
        poison.Note(e);
        var refused = Assert.Throws<CudaException>(() => poison.ThrowIfPoisoned(Device.Cuda(0)));
        Assert.Contains("poisoned", refused.Message);
        Assert.Contains("softmax_forward", refused.Message);
    }

    [Theory]
    [InlineData(1)]     // invalid value
    [InlineData(2)]     // out of memory
    [InlineData(222)]   // unsupported PTX version: a load error, handled by the PTX fallback
    public void OrdinaryErrorsDoNotPoisonTheContext(int code)
    {
        Assert.False(((CuResult)code).IsSticky());
        var poison = new ContextPoison();
        poison.Note(CudaCheck.Error((CuResult)code, "call", kernel: null, lastKernel: null));
        poison.ThrowIfPoisoned(Device.Cuda(0));
        Assert.Null(poison.Error);
    }

    [Fact]
    public void CublasExecutionFailurePoisonsTheContextAndOtherCublasErrorsDoNot()
    {
        var failed = Cublas.Error(Cublas.StatusExecutionFailed, "Cublas.cublasSgemm_v2(handle, ...)", "cublas gemm");
        Assert.True(failed.PoisonsContext);
        Assert.Equal("CUBLAS_STATUS_EXECUTION_FAILED", failed.StatusName);
        Assert.Contains("Restart the process", failed.Message);
        var poison = new ContextPoison();
        poison.Note(Cublas.Error(7, "Cublas.cublasSgemm_v2(handle, ...)"));          // invalid value: the call was refused, nothing ran
        Assert.Null(poison.Error);
        poison.Note(failed);
        poison.Note(CudaCheck.Error(CuResult.IllegalAddress, "later", kernel: null, lastKernel: null));   // the first one is kept
        var refused = Assert.Throws<CudaException>(() => poison.ThrowIfPoisoned(Device.Cuda(0)));
        Assert.Contains("CUBLAS_STATUS_EXECUTION_FAILED", refused.Message);
        Assert.Contains("refuses further work", refused.Message);
        Assert.Same(failed, refused.InnerException);
    }

    [Fact]
    public void LaunchErrorNamesTheKernelAndIsNotSticky()
    {
        var e = CudaCheck.Error(CuResult.InvalidValue, "Driver.cuLaunchKernel(...)", kernel: "softmax_forward", lastKernel: null);
        Assert.False(e.PoisonsContext);
        Assert.Equal("softmax_forward", e.Kernel);
        Assert.StartsWith("CUDA_ERROR_INVALID_VALUE in kernel 'softmax_forward'", e.Message);
        Assert.DoesNotContain("sticky", e.Message);
    }

    [Fact]
    public void OutOfMemoryMessageGivesTheNumbers()
    {
        var e = new CudaOutOfMemoryException("cuda:0", 3L << 30, 1L << 30, 80L << 30, 70L << 30, 75L << 30);
        Assert.Contains("3 GiB", e.Message);
        Assert.Contains("1 GiB free of 80 GiB", e.Message);
        Assert.Contains("70 GiB", e.Message);
        Assert.IsAssignableFrom<CudaException>(e);
    }

    [Fact]
    public void UsingCudaWithoutAGpuExplainsWhy()
    {
        if (CudaBackend.IsAvailable) Assert.Skip("A GPU is present; this checks the message when there is none.");
        var e = Assert.ThrowsAny<Exception>(() => Tensor.Zeros(new Shape(2), device: Device.Cuda(0)));
        Assert.Contains("cuda:0", e.Message);
        Assert.Contains(CudaTestSupport.FirstLine(CudaBackend.UnavailableReason), e.Message);
    }
}
