using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Issue 4's memory check on a whole training step: a compiled CNN trained with Adam through
/// TrainOnBatch (forward, loss, backward into the parameter arena, one-launch update, metrics) for
/// 10,000 steps keeps device memory flat after warm-up: no new driver allocation, the allocator's
/// bytes in use unchanged, and the driver's free memory within its stated tolerance (CudaTestSupport.DriverFreeMemoryTolerance).
/// Measured after settling finalizers: the backend is shared with earlier tests. 40 steps on the emulator.</summary>
[Collection(CudaCollection.Name)]
public class ModelTrainingMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void TenThousandTrainingStepsLeaveDeviceMemoryFlat()
    {
        var device = CudaTestSupport.TrainingDevice();
        var gpu = CudaTestSupport.BackendOf(device);
        var steps = CudaTestSupport.IsEmulated(gpu) ? 40 : 10_000;

        var model = new Sequential(
        [
            new Input(1, 9, 9),
            new Conv2D(4, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(8, activation: "relu"),
            new Dense(3),
        ], seed: 17);
        model.Compile(new Adam(1e-3) { ClipNorm = 1 }, new Engine.Losses.SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"], device: device);
        var rng = new Rng(4);
        var x = Tensor.RandomNormal(new Shape(16, 1, 9, 9), rng);
        var y = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i % 3).ToArray());

        const int warmup = 10;
        for (var i = 0; i < warmup; i++) model.TrainOnBatch(x, y);
        var before = CudaTestSupport.SettledMemoryStats(gpu);
        var freeBefore = gpu.DeviceMemory.FreeBytes;
        Dictionary<string, double> logs = [];
        for (var i = 0; i < steps; i++) logs = model.TrainOnBatch(x, y);
        var after = CudaTestSupport.SettledMemoryStats(gpu);
        var freeAfter = gpu.DeviceMemory.FreeBytes;
        output.WriteLine($"{steps} steps on {gpu.DeviceName}: allocated {before.AllocatedBytes} -> {after.AllocatedBytes} B, " +
            $"reserved {before.ReservedBytes} -> {after.ReservedBytes} B, driver allocations {before.DriverAllocations} -> {after.DriverAllocations}, " +
            $"driver free {freeBefore} -> {freeAfter} B, last loss {logs["loss"]:F4}");

        Assert.NotNull(ParameterArena.Of(model.TrainableWeights));
        Assert.Equal(before.DriverAllocations, after.DriverAllocations);
        Assert.Equal(before.ReservedBytes, after.ReservedBytes);
        Assert.Equal(before.AllocatedBytes, after.AllocatedBytes);
        CudaTestSupport.AssertDriverFreeMemoryFlat(freeBefore, freeAfter, $"{steps} training steps");
        Assert.True(double.IsFinite(logs["loss"]), $"loss is {logs["loss"]}");
    }
}
