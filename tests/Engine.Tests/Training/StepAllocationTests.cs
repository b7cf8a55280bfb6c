using Engine.Backends.Cpu;
using Engine.Losses;
using Engine.Models;
using Engine.Tensors;
using Engine.Tests.Models;

namespace Engine.Tests.Training;

/// <summary>Managed bytes a warm CPU training step allocates, counted on every thread it runs on: the
/// calling thread (GC.GetAllocatedBytesForCurrentThread around the steps) and the CpuParallel helper
/// threads (each reads its own counter around its share of a loop: <see cref="CpuParallel.HelperAllocatedBytes"/>).
/// Other threads (the GC's, the finalizer, the thread pool's own bookkeeping) run no step code.
/// The tests of the allocation collection run alone, so no other test adds to the helpers' count.</summary>
[Collection(AllocationCollection.Name)]
public class StepAllocationTests
{
    private const int Steps = 5;

    private static (long Caller, long Helpers) BytesPerStep(Model model, Tensor x, Tensor y)
    {
        // Counts the normal mode: under CI's pool poisoning a recycled tensor object is never handed
        // out again (so that stale uses are caught), which allocates by design.
        using var reuse = TensorRecycler.ReuseWhilePoisoned();
        var logs = new Dictionary<string, double>();
        for (var i = 0; i < 4; i++) model.TrainOnBatchInto(logs, x, y);
        var helpers = CpuParallel.HelperAllocatedBytes;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Steps; i++) model.TrainOnBatchInto(logs, x, y);
        var caller = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(double.IsFinite(logs["loss"]) && logs.ContainsKey("accuracy"), "the steps reported their loss and accuracy");
        return (caller / Steps, (CpuParallel.HelperAllocatedBytes - helpers) / Steps);
    }

    [Fact]
    public void SeedCnnStepWithAdamAndAccuracy()
    {
        // Batch 11 of 23x23 images: sizes no other test uses, so its pooled arrays stay its own.
        var (x, y) = SyntheticImages.Make(11, classes: 5, seed: 9, size: 23);
        using var model = SeedCnn.Build(1, 23, 5, seed: 4);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        var (caller, helpers) = BytesPerStep(model, x, y);
        Assert.True(caller <= SeedCnnBound && helpers == 0, $"seed CNN step: {caller:N0} bytes on the calling thread (bound {SeedCnnBound:N0}), {helpers:N0} on the helpers");
    }

    [Fact]
    public void ResidualStepWithAddAndBatchNorm()
    {
        // ResNet-20's blocks (Conv2D, BatchNormalization, Add, ReLU, projection shortcuts) on 9x9x3.
        var rng = new Rng(3);
        using var x = Tensor.RandomNormal(new Shape(3, 3, 9, 9), rng);
        using var y = Tensor.FromArray(new[] { 0, 1, 2 });
        using var model = Applications.ResNet20(inputShape: [3, 9, 9], classes: 4, classifierActivation: "linear", seed: 1);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        var (caller, helpers) = BytesPerStep(model, x, y);
        Assert.True(caller <= ResidualBound && helpers == 0, $"residual step: {caller:N0} bytes on the calling thread (bound {ResidualBound:N0}), {helpers:N0} on the helpers");
    }

    [Fact]
    public void TrainOnBatchIntoGivesTrainOnBatchsLogs()
    {
        var (x, y) = SyntheticImages.Make(6, classes: 3, seed: 2, size: 28);
        Model Make()
        {
            var m = SeedCnn.Build(1, 28, 3, seed: 5);
            m.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
            return m;
        }
        using var a = Make();
        using var b = Make();
        var logs = new Dictionary<string, double> { ["stale"] = 1 };
        for (var i = 0; i < 3; i++)
        {
            var expected = a.TrainOnBatch(x, y);
            b.TrainOnBatchInto(logs, x, y);
            Assert.Equal(expected.OrderBy(p => p.Key), logs.OrderBy(p => p.Key)); // same values, the stale key gone
        }
    }

    // Not yet 0 (notes/issue-16-alloc.md): per op result a Tensor and its CpuStorage object (the
    // arrays themselves are pooled); Conv2D's backward closure, node and inputs array (the other
    // built-in ops record pooled nodes with static backwards); BackwardPass's gradient tensors.
    // Measured 7,456 and 43,563 bytes (Debug build); before this work 26.5 KB and ~138 KB. The bounds
    // leave ~10% for what depends on timing: a parallel loop makes a new bookkeeping object when a
    // helper has not yet let go of the previous loop's (CI once measured 7,547 for the seed CNN).
    private const long SeedCnnBound = 8_192;
    private const long ResidualBound = 48_000;
}
