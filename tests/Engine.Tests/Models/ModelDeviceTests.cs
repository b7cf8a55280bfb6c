using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;
using Engine.Tests.Cuda;

namespace Engine.Tests.Models;

/// <summary>The same user code on the GPU: the model follows its weights, batches follow the model.
/// Skipped, visibly, where no CUDA device (or kernel emulator) is available.</summary>
[Collection(CudaCollection.Name)]
public sealed class ModelDeviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-device-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>cuda:0, or the kernel emulator's device when ENGINE_CUDA_EMULATOR is set, else a visible skip.</summary>
    private static Device RequireCuda() => CudaTestSupport.TrainingDevice();

    private static Sequential Cnn() => new([
        new Input(1, 12, 12), new Conv2D(6, 3, padding: "same", activation: "relu"), new BatchNormalization(),
        new MaxPooling2D(2), new Flatten(), new Dense(4, activation: "softmax"),
    ], seed: 4);

    [Fact]
    public void FitOnTheGpuMatchesTheCpu()
    {
        var cuda = RequireCuda();
        var (x, y) = SyntheticImages.Make(64, classes: 4, seed: 6, size: 12);
        using var cpu = Cnn();
        using var gpu = Cnn();
        cpu.Compile(optimizer: new Sgd(0.05, momentum: 0.9), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        gpu.Compile(optimizer: new Sgd(0.05, momentum: 0.9), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"], device: cuda);
        Assert.All(gpu.Weights, w => Assert.Equal(cuda, w.Value.Device));

        var hc = cpu.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0);
        var hg = gpu.Fit(x, y, epochs: 2, batchSize: 16, verbose: 0);
        TestData.AssertClose(hc["loss"].ToArray(), hg["loss"].ToArray(), 1e-4, 1e-3, "loss per epoch");
        var wc = cpu.GetWeights();
        var wg = gpu.GetWeights();
        foreach (var k in wc.Keys) TestData.AssertClose(wc[k].ToDoubleArray(), wg[k].ToDoubleArray(), 1e-4, 1e-3, k);
        TestData.AssertClose(cpu.Predict(x).ToDoubleArray(), gpu.Predict(x).ToDoubleArray(), 1e-4, 1e-3, "predictions");
    }

    [Fact]
    public void SavedOnTheGpuLoadsOnTheCpu()
    {
        var cuda = RequireCuda();
        var (x, y) = SyntheticImages.Make(32, classes: 4, seed: 6, size: 12);
        using var gpu = Cnn();
        gpu.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", device: cuda);
        gpu.Fit(x, y, epochs: 1, verbose: 0);
        var path = Path.Combine(_dir, "gpu.safetensors");
        gpu.Save(path);
        using var cpu = Model.Load(path);
        Assert.Equal(Device.Cpu, cpu.Device);
        TestData.AssertClose(gpu.Predict(x).ToDoubleArray(), cpu.Predict(x).ToDoubleArray(), 1e-5, 1e-4, "predictions");
        cpu.To(cuda).Fit(x, y, epochs: 1, verbose: 0);                  // optimizer state follows the move
    }
}
