using Engine.Backends.Cpu;
using Engine.Callbacks;
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

    /// <summary>Windows of <see cref="Steps"/> steps measured after the warm-up, at most; the helpers' count
    /// must reach 0 in one of them. A helper thread grows its per-thread kernel buffers once, the first
    /// time it claims a work item of a new size; on a loaded machine it can wake too late to claim any item
    /// of some loop during the warm-up and meet that size only in the first window. A real per-step
    /// allocation shows in every window, so it still fails; the calling thread must be 0 in every window.</summary>
    private const int Windows = 3;

    private static (long Caller, long Helpers) BytesPerStep(Model model, Tensor x, Tensor y, bool accuracy = true)
    {
        // Counts the normal mode: under CI's pool poisoning a recycled tensor object is never handed
        // out again (so that stale uses are caught), which allocates by design.
        using var reuse = TensorRecycler.ReuseWhilePoisoned();
        var logs = new Dictionary<string, double>();
        for (var i = 0; i < 4; i++) model.TrainOnBatchInto(logs, x, y);
        return Measure(() =>
        {
            for (var i = 0; i < Steps; i++) model.TrainOnBatchInto(logs, x, y);
            Assert.True(double.IsFinite(logs["loss"]) && logs.ContainsKey("accuracy") == accuracy, "the steps reported their loss (and accuracy when compiled with it)");
        });
    }

    /// <summary>Bytes per step of <paramref name="window"/> (Steps steps) on the calling thread (the most
    /// over the windows) and on the helpers (the last window: the first whose count is 0, else the third).</summary>
    private static (long Caller, long Helpers) Measure(Action window)
    {
        var (caller, helpers) = (0L, 0L);
        for (var w = 0; w < Windows; w++)
        {
            var helpersBefore = CpuParallel.HelperAllocatedBytes;
            var before = GC.GetAllocatedBytesForCurrentThread();
            window();
            caller = Math.Max(caller, (GC.GetAllocatedBytesForCurrentThread() - before) / Steps);
            helpers = (CpuParallel.HelperAllocatedBytes - helpersBefore) / Steps;
            if (helpers == 0) break;
        }
        return (caller, helpers);
    }

    [Fact]
    public void SeedCnnStepWithAdamAndAccuracy()
    {
        // Batch 11 of 23x23 images: sizes no other test uses, so its pooled arrays stay its own.
        var (x, y) = SyntheticImages.Make(11, classes: 5, seed: 9, size: 23);
        using var model = SeedCnn.Build(1, 23, 5, seed: 4);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        var (caller, helpers) = BytesPerStep(model, x, y);
        Assert.True(caller == 0 && helpers == 0, $"seed CNN step: {caller:N0} bytes on the calling thread, {helpers:N0} on the helpers (expected 0 and 0)");
    }

    [Fact]
    public void SeedCnnStepWithoutMetrics()
    {
        // cpu-compare's setup: no metrics (the empty metric list once made a new List twice a step).
        var (x, y) = SyntheticImages.Make(13, classes: 5, seed: 3, size: 23);
        using var model = SeedCnn.Build(1, 23, 5, seed: 8);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true));
        var (caller, helpers) = BytesPerStep(model, x, y, accuracy: false);
        Assert.True(caller == 0 && helpers == 0, $"seed CNN step without metrics: {caller:N0} bytes on the calling thread, {helpers:N0} on the helpers (expected 0 and 0)");
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
        Assert.True(caller == 0 && helpers == 0, $"residual step: {caller:N0} bytes on the calling thread, {helpers:N0} on the helpers (expected 0 and 0)");
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

    /// <summary>Reads both counters as each batch begins (and allocates nothing itself: its lists have
    /// room for every mark). It overrides no OnTrainBatchEnd, like Fit with verbose 0 and no callbacks.</summary>
    private sealed class BatchBeginMarks : Callback
    {
        public readonly List<(int Epoch, long Caller, long Helpers)> Marks = new(256);
        private int _epoch;

        public override void OnEpochBegin(int epoch) => _epoch = epoch;

        public override void OnTrainBatchBegin(int batch) =>
            Marks.Add((_epoch, GC.GetAllocatedBytesForCurrentThread(), CpuParallel.HelperAllocatedBytes));
    }

    [Fact]
    public void FitStepWithAdamAndAccuracy()
    {
        // 220 samples in batches of 11: 20 steps an epoch, each measured from one batch's begin to the
        // next one's (cutting the batch from the arrays, the step, giving the batch back, the callbacks).
        var (x, y) = SyntheticImages.Make(220, classes: 5, seed: 7, size: 23);
        using var model = SeedCnn.Build(1, 23, 5, seed: 6);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        var marks = new BatchBeginMarks();
        using (TensorRecycler.ReuseWhilePoisoned()) // the normal mode (see BytesPerStep)
            model.Fit(x, y, batchSize: 11, epochs: 3, verbose: 0, callbacks: [marks], seed: 1);
        var last = marks.Marks.Where(m => m.Epoch == 2).ToArray(); // epochs 0 and 1 warm up
        Assert.Equal(20, last.Length);
        var caller = last[^1].Caller - last[0].Caller;
        var helpers = last[^1].Helpers - last[0].Helpers;
        Assert.True(caller == 0 && helpers == 0, $"Fit, 19 steps of the third epoch: {caller:N0} bytes on the calling thread, {helpers:N0} on the helpers (expected 0 and 0)");
    }

    [Fact]
    public void PredictIntoGivesPredictsValuesAndAllocatesNothing()
    {
        var (x, _) = SyntheticImages.Make(25, classes: 5, seed: 8, size: 23);
        using var model = SeedCnn.Build(1, 23, 5, seed: 2);
        using var expected = model.Predict(x, batchSize: 10); // batches of 10, 10 and 5
        using var output = Tensor.Empty(new Shape(25, 5));
        model.PredictInto(x, output, batchSize: 10);
        Assert.Equal(expected.ToArray<float>(), output.ToArray<float>());

        using var reuse = TensorRecycler.ReuseWhilePoisoned();
        for (var i = 0; i < 4; i++) model.PredictInto(x, output, batchSize: 10);
        var (caller, helpers) = Measure(() =>
        {
            for (var i = 0; i < Steps; i++) model.PredictInto(x, output, batchSize: 10);
        });
        Assert.True(caller == 0 && helpers == 0, $"PredictInto: {caller:N0} bytes per call on the calling thread, {helpers:N0} on the helpers (expected 0 and 0)");

        using var wrong = Tensor.Empty(new Shape(25, 4));
        var e = Assert.Throws<ArgumentException>(() => model.PredictInto(x, wrong));
        Assert.Contains("(25, 5)", e.Message);
    }

    // Exactly 0: the step's Tensor and CpuStorage objects are reused (TensorRecycler), every op records
    // a pooled node with a static backward, and CpuParallel's loop objects never depend on timing.
    // Before this work: 26.5 KB (seed CNN) and ~138 KB (residual) per step; after session 4: 7,456 B
    // and 43,563 B.
}
