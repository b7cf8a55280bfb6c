using Engine.Backends.Cpu;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Training;

/// <summary>CPU training is bitwise reproducible for a seed, and does not depend on how many threads
/// the kernels spread over (no sum is ordered by thread: conv GEMM panels, planes and k slices are
/// fixed by the shape). Runs alone: it changes the process-wide thread limit.</summary>
[Collection(AllocationCollection.Name)]
public class CpuDeterminismTests
{
    private static float[] TrainAndReadWeights(int? threads)
    {
        var previous = CpuParallel.ThreadLimit;
        CpuParallel.ThreadLimit = threads;
        try
        {
            var (x, y) = SeedCnnOverfitTests.SyntheticBatch(48, seed: 5);
            using var model = SeedCnn.Build(1, 28, 10, seed: 3);
            model.Compile(optimizer: new Adam(learningRate: 1e-3, epsilon: 1e-7), loss: new SparseCategoricalCrossentropy(fromLogits: true));
            for (var step = 0; step < 3; step++) model.TrainOnBatch(x, y);
            return model.TrainableWeights.SelectMany(w => w.ToFloatArray()).ToArray();
        }
        finally
        {
            CpuParallel.ThreadLimit = previous;
        }
    }

    [Fact]
    public void TrainingIsBitwiseTheSameForAnyThreadCount()
    {
        var one = TrainAndReadWeights(1);
        var start = SeedCnn.Build(1, 28, 10, seed: 3).TrainableWeights.SelectMany(w => w.ToFloatArray()).ToArray();
        Assert.NotEqual(start, one); // the steps changed the weights
        foreach (var threads in new[] { 2, 3, 5 })
        {
            var other = TrainAndReadWeights(threads);
            var differ = Enumerable.Range(0, one.Length).Count(i => BitConverter.SingleToInt32Bits(one[i]) != BitConverter.SingleToInt32Bits(other[i]));
            Assert.True(differ == 0, $"{differ} of {one.Length} weights differ between 1 and {threads} threads");
        }
    }

    [Fact]
    public void TrainingIsBitwiseReproducibleForASeed()
    {
        var first = TrainAndReadWeights(null);
        var second = TrainAndReadWeights(null);
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
    }
}
