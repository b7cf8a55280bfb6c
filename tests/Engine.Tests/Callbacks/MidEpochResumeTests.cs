using Engine.Callbacks;
using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;
using Engine.Tests.Models;

namespace Engine.Tests.Callbacks;

/// <summary>Fit left mid-epoch through <see cref="TrainingInterruptedException"/> (what the CLI's
/// Ctrl-C does) and BackupAndRestore with a batch frequency: the backup records the position in the
/// epoch, and a new Fit with it continues at the next batch and ends with the same bits — weights,
/// optimizer state and every epoch's logs — as a run that was never interrupted.</summary>
public sealed class MidEpochResumeTests : IDisposable
{
    private const int Epochs = 3, BatchSize = 16, Batches = 4; // 64 training samples: 4 batches per epoch

    private readonly string _dir = Directory.CreateTempSubdirectory("engine-midepoch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly (Tensor X, Tensor Y) Data = SyntheticImages.Make(80, classes: 4, seed: 7, size: 8);

    /// <summary>Batch norm (statistics), dropout (a random draw per step), shuffling (a draw per epoch)
    /// and two metrics: everything a resumed epoch must continue exactly.</summary>
    private static Sequential Compiled(ulong seed)
    {
        var model = new Sequential([
            new Input(1, 8, 8),
            new Conv2D(4, 3, padding: "same", activation: "relu"),
            new BatchNormalization(),
            new MaxPooling2D(2),
            new Flatten(),
            new Dropout(0.3),
            new Dense(4, activation: "softmax"),
        ], seed: seed);
        model.Compile(optimizer: new Adam(0.02), loss: "sparse_categorical_crossentropy", metrics: ["accuracy", "auc"]);
        return model;
    }

    private static List<Callback> Stateful(string dir, int? saveFreq = null) =>
        [new EarlyStopping(monitor: "val_loss", patience: 10, restoreBestWeights: true), new ReduceLROnPlateau(monitor: "loss", patience: 1, factor: 0.5),
         new BackupAndRestore(dir, saveFreq: saveFreq)];

    private static History Fit(Model model, List<Callback> callbacks) =>
        model.Fit(Data.X, Data.Y, batchSize: BatchSize, epochs: Epochs, verbose: 0, validationSplit: 0.2, callbacks: callbacks);

    /// <summary>Throws the interruption once, when the given batch of the given epoch ends (or begins).</summary>
    private static Callback InterruptAt(int epoch, int batch, bool atBegin = false)
    {
        var current = -1;
        void Check(int b)
        {
            if (current == epoch && b == batch) throw new TrainingInterruptedException("test");
        }
        return atBegin
            ? new LambdaCallback(onEpochBegin: e => current = e, onBatchBegin: Check)
            : new LambdaCallback(onEpochBegin: e => current = e, onBatchEnd: (b, _) => Check(b));
    }

    [Theory]
    [InlineData(0, 0, false)]  // after the first batch of the first epoch
    [InlineData(1, 1, false)]  // in the middle of an epoch
    [InlineData(1, 3, false)]  // after the last batch of an epoch, before its validation and epoch-end callbacks
    [InlineData(2, 0, true)]   // as an epoch's first batch begins: nothing of it trained yet
    public void InterruptedMidEpochResumesAtTheNextBatchBitwise(int epoch, int batch, bool atBegin)
    {
        using var straight = Compiled(seed: 5);
        var expected = Fit(straight, Stateful(Path.Combine(_dir, "straight")));

        var backup = Path.Combine(_dir, "run");
        using (var first = Compiled(seed: 5))
        {
            var e = Assert.Throws<TrainingInterruptedException>(() => Fit(first, [.. Stateful(backup), InterruptAt(epoch, batch, atBegin)]));
            Assert.Equal((epoch, atBegin ? batch : batch + 1), (e.Epoch, e.NextBatch));
        }
        Assert.True(File.Exists(Path.Combine(backup, "backup.safetensors")));

        // A new process: another init seed, the same callbacks, the same Fit call.
        using var resumed = Compiled(seed: 999);
        var seen = new List<(int Epoch, int Batch)>();
        var current = -1;
        var callbacks = Stateful(backup);
        var rest = Fit(resumed, [.. callbacks, new LambdaCallback(onEpochBegin: e => current = e, onBatchBegin: b => seen.Add((current, b)))]);

        var next = atBegin ? batch : batch + 1;
        var restore = (BackupAndRestore)callbacks[2];
        Assert.Equal((epoch, next), (restore.RestoredEpoch, restore.RestoredBatch));
        // Nothing trained before the interruption is trained again.
        Assert.Equal(Enumerable.Range(epoch, Epochs - epoch).SelectMany(e => Enumerable.Range(e == epoch ? next : 0, Batches - (e == epoch ? next : 0)).Select(b => (e, b))), seen);
        Assert.Equal(Enumerable.Range(epoch, Epochs - epoch), rest.Epoch);
        foreach (var key in expected.Keys) Assert.Equal(expected[key].Skip(epoch), rest[key]);
        FitTests.AssertSameWeights(straight, resumed);
        AssertSameOptimizerState(straight, resumed);
    }

    [Fact]
    public void BackupEveryFewBatchesResumesAfterACrashBitwise()
    {
        using var straight = Compiled(seed: 6);
        var expected = Fit(straight, Stateful(Path.Combine(_dir, "straight"), saveFreq: 3));

        var backup = Path.Combine(_dir, "run");
        using (var first = Compiled(seed: 6))
        {
            // A crash (no interruption handling) as epoch 2's third batch begins: the last backup is the one
            // after 3 · 3 = 9 batches (4 + 4 + 1), so the resumed Fit starts with epoch 2's second batch.
            var current = -1;
            var crash = new LambdaCallback(onEpochBegin: e => current = e, onBatchBegin: b => { if (current == 2 && b == 2) throw new IOException("simulated crash"); });
            Assert.Throws<IOException>(() => Fit(first, [.. Stateful(backup, saveFreq: 3), crash]));
        }
        using var resumed = Compiled(seed: 999);
        var callbacks = Stateful(backup, saveFreq: 3);
        var rest = Fit(resumed, callbacks);

        Assert.Equal((2, 1), (((BackupAndRestore)callbacks[2]).RestoredEpoch, ((BackupAndRestore)callbacks[2]).RestoredBatch));
        foreach (var key in expected.Keys) Assert.Equal(expected[key].Skip(2), rest[key]);
        FitTests.AssertSameWeights(straight, resumed);
        AssertSameOptimizerState(straight, resumed);
    }

    [Fact]
    public void SaveFreqMustBeAPositiveNumberOfBatches()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new BackupAndRestore(_dir, saveFreq: 0));
        Assert.Contains("saveFreq must be null (back up at the end of every epoch) or a number of batches >= 1", e.Message);
    }

    [Fact]
    public void WithoutBackupAndRestoreTheInterruptionLeavesFitAndNothingIsWritten()
    {
        using var model = Compiled(seed: 5);
        var e = Assert.Throws<TrainingInterruptedException>(() => Fit(model, [InterruptAt(1, 2)]));
        Assert.Equal(("test", 1, 3), (e.Reason, e.Epoch, e.NextBatch));
        Assert.Equal(1, model.Epoch);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void OnlyABackupRecordsThePositionInAnEpoch()
    {
        using var model = Compiled(seed: 5);
        var saved = Path.Combine(_dir, "saved.safetensors");
        var once = false;
        var save = new LambdaCallback(onBatchEnd: (b, _) =>
        {
            if (b != 1 || once) return;
            once = true;
            model.Save(saved);
            model.SaveTrainingCheckpoint(Path.Combine(_dir, "backup.safetensors"), []);
        });
        Fit(model, [save]);
        using var plain = Model.Load(saved);
        Assert.Null(plain.ResumeProgress);
        using var withPosition = Model.Load(Path.Combine(_dir, "backup.safetensors"));
        Assert.Equal((0, 2), (withPosition.Epoch, withPosition.ResumeProgress!.NextBatch));
    }

    private static void AssertSameOptimizerState(Model a, Model b)
    {
        var sa = a.Optimizer!.GetState(a.TrainableWeights);
        var sb = b.Optimizer!.GetState(b.TrainableWeights);
        Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
        Assert.NotEmpty(sa.Keys);
        foreach (var k in sa.Keys) Assert.True(sa[k].ToDoubleArray().SequenceEqual(sb[k].ToDoubleArray()), $"optimizer state {k} differs");
    }
}
