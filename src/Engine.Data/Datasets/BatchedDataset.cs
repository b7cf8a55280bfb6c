using Engine.Backends;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>What every dataset here shares: a fixed list of samples, shuffled per epoch, cut into
/// batches, each sample loaded (and augmented) on background threads ahead of the consumer.
/// Deterministic: the order of epoch e and the augmentation of sample i in epoch e are functions of
/// (<see cref="Seed"/>, e, i) only, whatever <see cref="Workers"/> and <see cref="Prefetch"/> are.
/// Batches: X float32 [B, C, H, W]; Y as <see cref="LabelMode"/> says; SampleWeight float32 [B]
/// when <see cref="ClassWeight"/> is set. The last batch of an epoch may be smaller.</summary>
public abstract class BatchedDataset : IDataset
{
    private readonly Targets _targets;
    private readonly int[] _sampleShape;
    private Augmentation? _augmentation;
    private float[]? _classWeight;
    private int _prefetch = 2;
    private int _workers = Math.Max(1, Environment.ProcessorCount);
    private readonly List<DataProblem> _skippedLater = [];

    private protected BatchedDataset(int[] sampleShape, Targets targets, int batchSize, bool shuffle, ulong seed)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be >= 1; received {batchSize}.");
        _sampleShape = sampleShape;
        _targets = targets;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
    }

    /// <summary>Number of samples.</summary>
    public int Count => _targets.Count;

    public int BatchSize { get; }

    public int BatchCount => (Count + BatchSize - 1) / BatchSize;

    /// <summary>Whether each epoch visits the samples in a new (seeded) order.</summary>
    public bool Shuffle { get; }

    public ulong Seed { get; }

    /// <summary>Shape of one sample: (C, H, W) for images.</summary>
    public Shape SampleShape => new(_sampleShape);

    public LabelMode LabelMode => _targets.Mode;

    /// <summary>Number of classes (single-label) or labels (multi-hot).</summary>
    public int NumClasses => _targets.Width;

    /// <summary>Applied to every sample after loading; null for none. Seeded per (Seed, epoch, sample).</summary>
    public Augmentation? Augmentation
    {
        get => _augmentation;
        set
        {
            if (value is not null)
            {
                value.Validate();
                if (_sampleShape.Length != 3)
                    throw new InvalidOperationException($"augmentation needs image samples of shape (C, H, W); these have shape {SampleShape}.");
            }
            _augmentation = value;
        }
    }

    /// <summary>Per-class weights (indexed by class) that become each batch's SampleWeight, e.g.
    /// <c>ClassWeights.Balanced(ds.Labels, ds.NumClasses)</c>. Single-label data only.</summary>
    public float[]? ClassWeight
    {
        get => _classWeight;
        set
        {
            if (value is not null)
            {
                if (!_targets.HasClasses)
                    throw new InvalidOperationException("class weights apply to single-label datasets; for multi-label data use PosWeights with a weighted binary cross-entropy.");
                if (value.Length != NumClasses)
                    throw new ArgumentException($"ClassWeight needs one weight per class ({NumClasses}); received {value.Length}.", nameof(value));
            }
            _classWeight = value;
        }
    }

    /// <summary>Batches prepared ahead of the consumer on a background task (bounded queue); 0
    /// prepares each batch on the consumer's thread when it is asked for.</summary>
    public int Prefetch
    {
        get => _prefetch;
        set => _prefetch = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"Prefetch must be >= 0; received {value}.");
    }

    /// <summary>Threads that load and augment the samples of one batch in parallel.</summary>
    public int Workers
    {
        get => _workers;
        set => _workers = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"Workers must be >= 1; received {value}.");
    }

    /// <summary>Samples that failed to load during an epoch and were left out (Skip policy only; the
    /// up-front check catches almost all bad files before this).</summary>
    public IReadOnlyList<DataProblem> SkippedDuringEpochs
    {
        get
        {
            lock (_skippedLater) return _skippedLater.ToArray();
        }
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the samples.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        if (Shuffle) new Rng(CounterRng.Hash(Seed, (uint)epoch)).Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>The augmentation seed of sample <paramref name="sample"/> in epoch <paramref name="epoch"/>.</summary>
    public ulong SampleSeed(int epoch, int sample) =>
        CounterRng.Hash(CounterRng.Hash(Seed ^ 0x5DEECE66DUL, (uint)epoch), (uint)sample);

    public IEnumerable<Batch> GetBatches(int epoch) => GetBatches(epoch, 0);

    /// <summary>True: each enumeration makes its batches anew, in pooled memory, and keeps none of them.
    /// Fit and Evaluate dispose them after use; a caller that keeps a batch owns it (disposing it is
    /// optional: an undisposed batch is left to the garbage collector).</summary>
    public bool FreshBatches => true;

    /// <summary>The batches of epoch <paramref name="epoch"/> from <paramref name="firstBatch"/> on, without
    /// loading the ones before (a Fit resumed mid-epoch): the same order and augmentation.</summary>
    public IEnumerable<Batch> GetBatches(int epoch, int firstBatch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"epoch must be >= 0; received {epoch}.");
        if (firstBatch < 0) throw new ArgumentOutOfRangeException(nameof(firstBatch), $"firstBatch must be >= 0; received {firstBatch}.");
        return Produce(epoch, Math.Min(firstBatch, BatchCount));
    }

    private IEnumerable<Batch> Produce(int epoch, int firstBatch)
    {
        var order = EpochOrder(epoch);
        var augmentation = _augmentation;
        var classWeight = _classWeight;
        var workers = _workers;
        return BatchPipeline.Run(BatchCount - firstBatch, b => MakeBatch(order, firstBatch + b, epoch, augmentation, classWeight, workers), _prefetch,
            discard: DisposeBatch);
    }

    /// <summary>One batch in pooled CPU memory, made for this enumeration only (see <see cref="IDataset.FreshBatches"/>):
    /// Fit and Evaluate give its arrays back to the pool after the step, so an epoch allocates none.
    /// Its tensors belong to no TensorScope, whichever thread makes them.</summary>
    private Batch? MakeBatch(int[] order, int batch, int epoch, Augmentation? augmentation, float[]? classWeight, int workers)
    {
        using var untracked = TensorScope.Untracked();
        var start = batch * BatchSize;
        var samples = order.AsSpan(start, Math.Min(BatchSize, Count - start)).ToArray();
        var size = SampleShape.Size;
        var x = Tensor.Empty(new Shape([samples.Length, .. _sampleShape]));
        var pixels = (float[])((CpuStorage)x.Storage).Array; // pooled: may be longer than the batch; every sample's slice is written
        var problems = new DataProblem?[samples.Length];

        void Load(int k)
        {
            var slice = pixels.AsSpan(k * size, size);
            try
            {
                LoadSample(samples[k], slice);
            }
            catch (SampleLoadException e)
            {
                problems[k] = e.Problem;
                return;
            }
            augmentation?.Apply(slice, _sampleShape[0], _sampleShape[1], _sampleShape[2], SampleSeed(epoch, samples[k]));
        }

        try
        {
            if (workers > 1 && samples.Length > 1)
                Parallel.For(0, samples.Length, new ParallelOptions { MaxDegreeOfParallelism = workers }, Load);
            else
                for (var k = 0; k < samples.Length; k++) Load(k);

            if (problems.Any(p => p is not null))
            {
                var kept = DropFailed(samples, x, size, problems);
                x.Dispose();
                (samples, x) = kept;
            }
        }
        catch
        {
            x.Dispose();
            throw;
        }
        if (samples.Length == 0)
        {
            x.Dispose();
            return null;
        }

        var y = _targets.MakeTensor(samples);
        Tensor? weights = null;
        if (classWeight is not null)
        {
            weights = Tensor.Empty(new Shape(samples.Length));
            var w = (float[])((CpuStorage)weights.Storage).Array;
            for (var i = 0; i < samples.Length; i++) w[i] = classWeight[_targets.ClassOf(samples[i])];
        }
        return new Batch(x, y, weights);
    }

    private static void DisposeBatch(Batch b)
    {
        b.X.Dispose();
        b.Y.Dispose();
        b.SampleWeight?.Dispose();
    }

    /// <summary>The batch without the samples that failed to load (a new tensor; the caller disposes <paramref name="x"/>).</summary>
    private (int[] Samples, Tensor X) DropFailed(int[] samples, Tensor x, int size, DataProblem?[] problems)
    {
        var failed = problems.OfType<DataProblem>().ToArray();
        if (OnBadFile == BadFilePolicy.Error)
            throw new DataValidationException(SourceName, failed,
                "These files passed the up-front check but failed to load during training (changed on disk, or damaged inside). " +
                "Fix or remove them, or pass onBadFile: BadFilePolicy.Skip to skip them.");
        lock (_skippedLater) _skippedLater.AddRange(failed);
        foreach (var p in failed) Log($"Warning: skipped {p}");
        var keep = Enumerable.Range(0, samples.Length).Where(k => problems[k] is null).ToArray();
        var kept = Tensor.Empty(new Shape([keep.Length, .. _sampleShape]));
        var from = ((CpuStorage)x.Storage).Array;
        var to = ((CpuStorage)kept.Storage).Array;
        for (var j = 0; j < keep.Length; j++)
            Array.Copy(from, keep[j] * size, to, j * size, size);
        return (keep.Select(k => samples[k]).ToArray(), kept);
    }

    /// <summary>Writes sample <paramref name="index"/> into <paramref name="destination"/>; a data
    /// problem is reported by throwing <see cref="SampleLoadException"/>.</summary>
    private protected abstract void LoadSample(int index, Span<float> destination);

    private protected virtual BadFilePolicy OnBadFile => BadFilePolicy.Error;

    private protected virtual string SourceName => GetType().Name;

    private protected virtual void Log(string message) => Console.Error.WriteLine(message);

    private protected Targets TargetTable => _targets;
}
