using Engine.Losses;
using Engine.Models;
using Engine.Tensors;
using Engine.Tests.Models;

namespace Engine.Tests.Tensors;

/// <summary>CPU tensors and <see cref="CpuArrayPool.Shared"/>. The pool is process-wide and other
/// test classes run in parallel, so each test uses element counts no other test uses (an array it
/// returned cannot be taken by someone else) and the tests of this class run one at a time.</summary>
[Collection(AllocationCollection.Name)]
public class CpuTensorPoolingTests
{
    private static Array ArrayOf(Tensor t) => ((CpuStorage)t.Storage).Array;

    [Fact]
    public void DisposedTensorsArrayServesTheNextTensorOfThatSize()
    {
        if (CpuArrayPool.PoisonEnabled) // CI's poisoned run: the quarantine delays reuse on purpose
            Assert.Skip($"{CpuArrayPool.PoisonVariable}=1 delays reuse; this checks immediate reuse and runs in the plain suite.");
        var first = Tensor.Empty(new Shape(7, 1013));
        var array = ArrayOf(first);
        first.Dispose();
        using var second = Tensor.Empty(new Shape(1013, 7)); // same dtype and element count
        Assert.Same(array, ArrayOf(second));

        // A view keeps the storage alive: the array goes back only when the last tensor lets go.
        var view = second.Detach();
        second.Dispose();
        using var third = Tensor.Empty(new Shape(7091));
        Assert.NotSame(array, ArrayOf(third));
        view.Dispose();
        using var fourth = Tensor.Empty(new Shape(7091));
        Assert.Same(array, ArrayOf(fourth));
    }

    [Fact]
    public void WrappedArraysStayTheCallers()
    {
        using var poison = CpuArrayPool.PoisonScope();
        var data = Enumerable.Range(0, 6113).Select(i => (float)i).ToArray();
        var wrapped = Tensor.Wrap(data, new Shape(6113));
        Assert.Same(data, ArrayOf(wrapped));
        var returned = CpuArrayPool.Shared.Statistics.Returned;
        wrapped.Dispose();
        // Not poisoned (a pooled array would be) and never handed to another tensor.
        Assert.Equal(6112f, data[^1]);
        Assert.DoesNotContain(data, float.IsNaN);
        using var next = Tensor.Empty(new Shape(6113));
        Assert.NotSame(data, ArrayOf(next));

        // FromArray copies, so the tensor's array is pooled and the caller's is left alone.
        var copy = Tensor.FromArray(data, new Shape(6113));
        Assert.NotSame(data, ArrayOf(copy));
        copy.Dispose();
        Assert.Equal(6112f, data[^1]);
        Assert.True(CpuArrayPool.Shared.Statistics.Returned > returned);
    }

    /// <summary>CI runs the whole suite with ENGINE_CPU_POOL_POISON=1; this proves the variable took.</summary>
    [Fact]
    public void EnvironmentVariableTurnsPoisoningOnForTheSharedPool()
    {
        var set = Environment.GetEnvironmentVariable(CpuArrayPool.PoisonVariable) == "1";
        Assert.Equal(set, CpuArrayPool.PoisonFromEnvironment);
        if (!set) Assert.Skip($"{CpuArrayPool.PoisonVariable} is not 1 in this run (.ci/run sets it for CI's run).");
        Assert.True(CpuArrayPool.Shared.Poisoning);
        using var t = Tensor.Empty(new Shape(2999));
        Assert.All(t.ToArray<float>(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void PoisonedEmptyIsNaNAndZerosIsZero()
    {
        using var poison = CpuArrayPool.PoisonScope();
        Assert.True(CpuArrayPool.PoisonEnabled);

        var empty = Tensor.Empty(new Shape(3, 1709), DType.Float64);
        Assert.All(empty.ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        var array = (double[])ArrayOf(empty);
        Assert.Equal(CpuArrayPool.ClassLength(5127), array.Length);
        Assert.Equal(5127, empty.Span<double>().Length); // the tensor sees its own elements, not the whole class-length array
        Assert.Equal(5127, ((CpuStorage)empty.Storage).Span<double>().Length);
        empty.Storage.CopyFrom<double>(Enumerable.Repeat(2.5, 5127).ToArray());
        empty.Dispose();
        Assert.All(array, v => Assert.True(double.IsNaN(v))); // poisoned on the way back too

        using var zeros = Tensor.Zeros(new Shape(5127), DType.Float64);
        Assert.All(zeros.ToArray<double>(), v => Assert.Equal(0.0, v));

        using var ints = Tensor.Empty(new Shape(4271), DType.Int32);
        Assert.All(ints.ToArray<int>(), v => Assert.Equal(CpuArrayPool.IntPoison, v));
        using var intZeros = Tensor.Zeros(new Shape(4271), DType.Int32);
        Assert.All(intZeros.ToArray<int>(), v => Assert.Equal(0, v));
        using var ones = Tensor.Ones(new Shape(4271), DType.Float32);
        Assert.All(ones.ToArray<float>(), v => Assert.Equal(1f, v));
    }

    /// <summary>The bug poisoning exists for: code keeps a tensor's span, disposes the tensor, the
    /// next tensor of that size takes the array and writes it, and the stale span silently reads the
    /// new tensor's values. With poisoning the returned array is NaN and waits in quarantine, so the
    /// stale read gives NaN (which a loss or a test then shows) instead.</summary>
    [Fact]
    public void SpanKeptAfterDisposeIsCaughtByPoisoning()
    {
        static float SumThroughStaleSpan(bool poisoned)
        {
            using var poison = poisoned ? CpuArrayPool.PoisonScope() : null;
            var first = Tensor.FromArray(Enumerable.Repeat(1f, 3001).ToArray(), new Shape(3001));
            var stale = first.Span<float>();
            first.Dispose(); // the bug: the span outlives its tensor
            using var next = Tensor.FromArray(Enumerable.Repeat(7f, 3001).ToArray(), new Shape(3001));
            var sum = 0f;
            foreach (var v in stale) sum += v;
            return sum;
        }

        Assert.True(float.IsNaN(SumThroughStaleSpan(poisoned: true)));
        // Negative control: without poisoning the stale span reads the next tensor's 7s (the LIFO
        // pool hands the array straight on). Not checkable when the whole run is poisoned.
        if (!CpuArrayPool.PoisonFromEnvironment) Assert.Equal(3001 * 7f, SumThroughStaleSpan(poisoned: false));
    }

    /// <summary>Correct kernels write every element of an Empty output before reading it, so
    /// training with every pooled array full of NaN gives bit-for-bit the losses of a run on
    /// zeroed arrays — and they fall.</summary>
    [Fact]
    public void SeedCnnTrainsIdenticallyWithPoisonedArrays()
    {
        double[] Train(bool poisoned)
        {
            using var poison = poisoned ? CpuArrayPool.PoisonScope() : null;
            if (poisoned) Assert.True(CpuArrayPool.PoisonEnabled);
            CpuArrayPool.Shared.Clear(); // the unpoisoned run starts from zero-filled arrays (unless ENGINE_CPU_POOL_POISON is set)
            var (x, y) = SyntheticImages.Make(12, classes: 4, seed: 5, size: 19);
            using var model = SeedCnn.Build(1, 19, 4, seed: 3);
            model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
            var losses = new double[8];
            for (var i = 0; i < losses.Length; i++) losses[i] = model.TrainOnBatch(x, y)["loss"];
            return losses;
        }

        var clean = Train(poisoned: false);
        var poisoned = Train(poisoned: true);
        Assert.All(poisoned, l => Assert.True(double.IsFinite(l), $"loss {l}"));
        Assert.Equal(clean, poisoned);
        Assert.True(poisoned[^1] < 0.9 * poisoned[0], $"loss should fall: {string.Join(", ", poisoned)}");
    }

    /// <summary>Issue 8's target is 0 managed bytes per training step after warm-up. Before the pool
    /// a step of this model allocated 8.6 MB (82 MB for the seed CNN at batch 64); now every array
    /// comes from the pool and what is left (~31 KB) is bookkeeping that does not grow with the
    /// batch: per op a tape Node, its closure and inputs array, a Tensor, CpuStorage and Shape; the
    /// backward pass's dictionaries; LINQ and dictionaries in TrainOnBatch (see
    /// benchmarks/results/2026-11-23-cpu-array-pool.md). The bound is twice that, far below a
    /// single unpooled activation of this model (11·32·21·21 floats = 620 KB).</summary>
    [Fact]
    public void TrainStepAllocatesAlmostNothingAfterWarmUp()
    {
        // Batch 11 of 23x23 images: tensor sizes no other test uses, so no one else can take the
        // arrays this model returns to the shared pool between steps.
        var (x, y) = SyntheticImages.Make(11, classes: 5, seed: 9, size: 23);
        using var model = SeedCnn.Build(1, 23, 5, seed: 4);
        model.Compile(optimizer: "adam", loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        for (var i = 0; i < 3; i++) model.TrainOnBatch(x, y);

        const int steps = 5;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var reused = CpuArrayPool.Shared.Statistics.Reused;
        var rented = CpuArrayPool.Shared.Statistics.Rented;
        for (var i = 0; i < steps; i++) model.TrainOnBatch(x, y);
        var perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;

        var stats = CpuArrayPool.Shared.Statistics;
        Assert.True(perStep < MaxBytesPerStep,
            $"a warm CPU training step allocated {perStep:N0} bytes on its thread (bound {MaxBytesPerStep:N0}); " +
            $"pool: {stats.Rented - rented} rented, {stats.Reused - reused} reused by all threads during the measured steps; {stats}");
    }

    private const long MaxBytesPerStep = 64 * 1024;
}
