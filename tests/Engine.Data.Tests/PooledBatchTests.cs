using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Data.Tests;

/// <summary>Dataset batches live in pooled memory (CpuArrayPool), are made anew for each enumeration,
/// and go back to the pool when Fit / Evaluate are done with them, so a long run allocates no batch
/// arrays. These pin who disposes what, and that reused (stale) memory never leaks into a batch.</summary>
public class PooledBatchTests
{
    [Fact]
    public void Fit_and_Evaluate_dispose_the_batches_of_a_dataset_that_makes_them_fresh()
    {
        var (x, y) = Data(10);
        var fresh = new Recording(new ArrayDataset(x, y, batchSize: 4, seed: 1));
        Assert.True(fresh.FreshBatches);
        using var model = Model();
        model.Fit(fresh, epochs: 2, verbose: 0, validationData: fresh);
        model.Evaluate(fresh);
        Assert.Equal(3 * (2 + 2 + 1), fresh.Yielded.Count); // 3 batches: 2 epochs, 2 validations, 1 evaluation
        Assert.All(fresh.Yielded, b =>
        {
            Assert.Throws<ObjectDisposedException>(() => b.X.Storage); // back in the pool
            Assert.Throws<ObjectDisposedException>(() => b.Y.Storage);
        });
    }

    [Fact]
    public void A_dataset_that_keeps_its_batches_gets_them_back_intact()
    {
        var (x, y) = Data(10);
        var kept = new Recording(new ArrayDataset(x, y, batchSize: 4, seed: 1), fresh: false);
        using var model = Model();
        model.Fit(kept, epochs: 1, verbose: 0);
        Assert.NotEmpty(kept.Yielded);
        Assert.All(kept.Yielded, b => Assert.Equal(b.X.Shape.Size, b.X.ToArray<float>().Length)); // still readable
    }

    [Fact]
    public void Targets_are_exact_in_reused_memory_for_every_label_kind()
    {
        // Fill the pool with ones in the batch's size class, then make batches there: targets that set
        // only their ones (relying on zeroed memory) would show extra ones.
        var x = new float[6 * 4];
        Targets[] kinds =
        [
            new ClassTargets([0, 2, 1, 1, 0, 2], 3, LabelMode.Categorical),
            new ClassTargets([0, 1, 1, 0, 0, 1], 2, LabelMode.Binary),
            new ClassTargets([0, 2, 1, 1, 0, 2], 3, LabelMode.Int),
            new LabelSetTargets([[0, 1], [], [2], [0, 2], [1], [0, 1, 2]], 3),
            new DenseTargets([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1], 3, LabelMode.Categorical),
        ];
        foreach (var targets in kinds)
        {
            var ds = new ArrayDataset(x, [1, 2, 2], targets, batchSize: 6, shuffle: false, seed: 0, augmentation: null);
            var (expected, shape) = targets.Make([0, 1, 2, 3, 4, 5]);
            for (var round = 0; round < 3; round++)
            {
                DirtyThePool(expected.Length);
                var b = ds.GetBatches(0).Single();
                Assert.Equal(new Shape(shape), b.Y.Shape);
                if (expected is int[] ints) Assert.Equal(ints, b.Y.ToArray<int>());
                else Assert.Equal((float[])expected, b.Y.ToArray<float>());
                b.X.Dispose();
                b.Y.Dispose();
            }
        }
    }

    [Fact]
    public void Class_weights_become_the_batch_sample_weights()
    {
        var ds = new ArrayDataset(new float[4 * 4], [1, 2, 2], new ClassTargets([0, 1, 1, 0], 2, LabelMode.Int), batchSize: 4, shuffle: false, seed: 0, augmentation: null)
        {
            ClassWeight = [0.5f, 2f],
        };
        DirtyThePool(4);
        var b = ds.GetBatches(0).Single();
        Assert.Equal([0.5f, 2f, 2f, 0.5f], b.SampleWeight!.ToArray<float>());
    }

    [Fact]
    public void A_consumer_that_stops_early_leaves_nothing_behind_and_the_next_epoch_is_the_same()
    {
        var (x, y) = Data(40);
        var ds = new ArrayDataset(x, y, batchSize: 4, seed: 3) { Prefetch = 3 };
        var first = ds.GetBatches(1).Take(2).Select(b => b.Y.ToArray<int>()).ToList();
        var again = ds.GetBatches(1).Take(2).Select(b => b.Y.ToArray<int>()).ToList();
        Assert.Equal(first, again);
        Assert.Equal(10, ds.GetBatches(1).Count());
    }

    private static void DirtyThePool(int length)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Int32 })
        {
            var dirty = Enumerable.Range(0, 8).Select(_ => Tensor.Full(new Shape(length), 1, dtype)).ToList();
            foreach (var t in dirty) t.Dispose();
        }
    }

    private static (Tensor X, Tensor Y) Data(int n)
    {
        var rng = new Random(5);
        var x = Tensor.FromArray(Enumerable.Range(0, n * 16).Select(_ => (float)rng.NextDouble()).ToArray(), n, 1, 4, 4);
        var y = Tensor.FromArray(Enumerable.Range(0, n).Select(i => i % 3).ToArray(), n);
        return (x, y);
    }

    private static Sequential Model()
    {
        var model = new Sequential([new Input(1, 4, 4), new Flatten(), new Dense(3)]);
        model.Compile(optimizer: "adam", loss: new Losses.SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
        return model;
    }

    /// <summary>Passes another dataset's batches through and remembers them.</summary>
    private sealed class Recording(IDataset inner, bool fresh = true) : IDataset
    {
        public List<Batch> Yielded { get; } = [];

        public int BatchCount => inner.BatchCount;

        public bool FreshBatches => fresh && inner.FreshBatches;

        public IEnumerable<Batch> GetBatches(int epoch)
        {
            foreach (var b in inner.GetBatches(epoch))
            {
                Yielded.Add(b);
                yield return b;
            }
        }
    }
}
