using Engine.Callbacks;
using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;
using Engine.Tests.Models;

namespace Engine.Tests.Callbacks;

public sealed class CallbackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-callbacks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly (Tensor X, Tensor Y) Data = SyntheticImages.Blobs(48);

    private static Sequential NewModel()
    {
        var m = new Sequential([new Input(6), new Dense(8, activation: "relu"), new Dense(3, activation: "softmax")], seed: 17);
        m.Compile(optimizer: new Sgd(0.05), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return m;
    }

    /// <summary>Overwrites a logged value with a scripted sequence (runs before the callback under test).</summary>
    private static LambdaCallback Script(string key, params double[] values) =>
        new(onEpochEnd: (epoch, logs) => logs[key] = values[epoch]);

    /// <summary>Records the weights at the end of every epoch.</summary>
    private static LambdaCallback Recorder(List<Dictionary<string, Tensor>> into, Model model) =>
        new(onEpochEnd: (_, _) => into.Add(model.GetWeights()));

    private static void AssertWeightsEqual(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var k in expected.Keys) Assert.True(expected[k].ToDoubleArray().SequenceEqual(actual[k].ToDoubleArray()), $"weight {k} differs");
    }

    [Fact]
    public void ModelCheckpointKeepsTheBestEpochWithModeMax()
    {
        using var model = NewModel();
        var snapshots = new List<Dictionary<string, Tensor>>();
        var path = Path.Combine(_dir, "best.safetensors");
        var checkpoint = new ModelCheckpoint(path, monitor: "val_accuracy", mode: "max", saveBestOnly: true);
        var every = new ModelCheckpoint(Path.Combine(_dir, "ep{epoch:02d}-{val_accuracy:.2f}.safetensors"), monitor: "val_accuracy", saveBestOnly: true);
        model.Fit(Data.X, Data.Y, epochs: 5, batchSize: 16, verbose: 0,
            callbacks: [Script("val_accuracy", 0.5, 0.8, 0.7, 0.9, 0.85), Recorder(snapshots, model), checkpoint, every]);

        Assert.Equal(0.9, checkpoint.Best);
        using var best = Model.Load(path);
        AssertWeightsEqual(snapshots[3], best.GetWeights());
        Assert.NotEqual(snapshots[4]["dense/kernel"].ToDoubleArray(), best.GetWeights()["dense/kernel"].ToDoubleArray());
        // "auto" reads val_accuracy as higher-is-better; only improving epochs were written.
        Assert.Equal(["ep01-0.50.safetensors", "ep02-0.80.safetensors", "ep04-0.90.safetensors"],
            Directory.GetFiles(_dir, "ep*").Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ModelCheckpointWithModeMinAndEveryEpoch()
    {
        using var model = NewModel();
        var min = new ModelCheckpoint(Path.Combine(_dir, "min.safetensors"), monitor: "val_accuracy", mode: "min", saveBestOnly: true, verbose: 1);
        var all = new ModelCheckpoint(Path.Combine(_dir, "all-{epoch}.safetensors"));
        var output = new StringWriter();
        model.Fit(Data.X, Data.Y, epochs: 3, verbose: 0, output: output, callbacks: [Script("val_accuracy", 0.5, 0.8, 0.4), min, all]);
        Assert.Equal(0.4, min.Best);
        Assert.Equal(3, Directory.GetFiles(_dir, "all-*").Length);
        var text = output.ToString();
        Assert.Contains("Epoch 1: val_accuracy improved from inf to 0.50000, saving model to", text);
        Assert.Contains("Epoch 2: val_accuracy did not improve from 0.50000", text);
        Assert.Contains("Epoch 3: val_accuracy improved from 0.50000 to 0.40000", text);
    }

    [Fact]
    public void MonitoringAMissingMetricSaysWhatIsAvailable()
    {
        using var model = NewModel();
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(Data.X, Data.Y, epochs: 1, verbose: 0,
            callbacks: [new ModelCheckpoint(Path.Combine(_dir, "x.safetensors"), saveBestOnly: true)]));
        Assert.Contains("ModelCheckpoint is conditioned on metric 'val_loss', which is not available. Available metrics are: loss, accuracy", e.Message);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        using var model = NewModel();
        var snapshots = new List<Dictionary<string, Tensor>>();
        var stop = new EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true);
        var history = model.Fit(Data.X, Data.Y, epochs: 10, verbose: 0,
            callbacks: [Script("val_loss", 1.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1, 1, 1, 1), Recorder(snapshots, model), stop]);

        Assert.Equal([0, 1, 2, 3], history.Epoch);
        Assert.Equal(3, stop.StoppedEpoch);
        Assert.Equal(1, stop.BestEpoch);
        Assert.Equal(0.5, stop.Best);
        AssertWeightsEqual(snapshots[1], model.GetWeights());
    }

    [Fact]
    public void EarlyStoppingWithoutRestoreKeepsTheLastWeightsAndHonoursMinDelta()
    {
        using var model = NewModel();
        var snapshots = new List<Dictionary<string, Tensor>>();
        var stop = new EarlyStopping(monitor: "val_loss", minDelta: 0.05, patience: 1);
        var history = model.Fit(Data.X, Data.Y, epochs: 10, verbose: 0,
            callbacks: [Script("val_loss", 1.0, 0.99, 0.5, 0.4), Recorder(snapshots, model), stop]);
        Assert.Equal([0, 1], history.Epoch);                 // 0.99 is not 0.05 better than 1.0
        AssertWeightsEqual(snapshots[1], model.GetWeights());
    }

    [Fact]
    public void TerminateOnNaNStopsAtTheFirstBadBatch()
    {
        var x = Data.X.ToArray<float>();
        x[6 * 20] = float.NaN;                                 // sample 20 is in the third batch of 8
        using var model = new Sequential([new Input(6), new Dense(3, activation: "softmax")]);
        model.Compile(optimizer: new Sgd(0.05), loss: "sparse_categorical_crossentropy");
        var nan = new TerminateOnNaN();
        var output = new StringWriter();
        var batches = 0;
        var history = model.Fit(Tensor.FromArray(x, new Shape(48, 6)), Data.Y, epochs: 5, batchSize: 8, shuffle: false, verbose: 0, output: output,
            callbacks: [new LambdaCallback(onBatchEnd: (_, _) => batches++), nan]);
        Assert.Equal(2, nan.TerminatedAtBatch);
        Assert.Equal(3, batches);
        Assert.Equal([0], history.Epoch);
        Assert.True(double.IsNaN(history["loss"][0]));
        Assert.Contains("Batch 2: Invalid loss, terminating training", output.ToString());
    }

    [Fact]
    public void ReduceLROnPlateauLowersTheRateAfterPatienceAndWaitsForCooldown()
    {
        using var model = NewModel();
        var reduce = new ReduceLROnPlateau(monitor: "val_loss", factor: 0.5, patience: 2, cooldown: 1, verbose: 1);
        var output = new StringWriter();
        var history = model.Fit(Data.X, Data.Y, epochs: 6, verbose: 0, output: output, callbacks: [Script("val_loss", 1, 1, 1, 1, 1, 1), reduce]);
        Assert.Equal([0.05, 0.05, 0.05, 0.025, 0.025, 0.025], history["learning_rate"]);
        Assert.Equal(0.0125, model.Optimizer!.LearningRate);
        Assert.Contains("Epoch 3: ReduceLROnPlateau reducing learning rate to 0.025.", output.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1.0));
    }

    [Fact]
    public void CsvLoggerWritesOneRowPerEpochInSortedKeyOrder()
    {
        using var model = NewModel();
        var file = Path.Combine(_dir, "log.csv");
        var history = model.Fit(Data.X, Data.Y, epochs: 3, validationSplit: 0.25, verbose: 0, callbacks: [new CsvLogger(file)]);
        var lines = File.ReadAllLines(file);
        Assert.Equal("epoch,accuracy,loss,val_accuracy,val_loss", lines[0]);
        Assert.Equal(4, lines.Length);
        var row = lines[2].Split(',');
        Assert.Equal("1", row[0]);
        Assert.Equal(history["loss"][1], double.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture));

        model.Fit(Data.X, Data.Y, epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [new CsvLogger(file, append: true)]);
        Assert.Equal(5, File.ReadAllLines(file).Length);
        model.Fit(Data.X, Data.Y, epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [new CsvLogger(file)]);
        Assert.Equal(2, File.ReadAllLines(file).Length);
    }

    [Fact]
    public void LambdaCallbackSeesEveryEvent()
    {
        using var model = NewModel();
        var events = new List<string>();
        model.Fit(Data.X, Data.Y, epochs: 2, batchSize: 24, verbose: 0, callbacks: [new LambdaCallback(
            onTrainBegin: () => events.Add("train_begin"),
            onEpochBegin: e => events.Add($"epoch_begin {e}"),
            onBatchBegin: b => events.Add($"batch_begin {b}"),
            onBatchEnd: (b, logs) => events.Add($"batch_end {b} {logs.ContainsKey("loss")}"),
            onEpochEnd: (e, logs) => events.Add($"epoch_end {e} {string.Join(",", logs.Keys)}"),
            onTrainEnd: logs => events.Add($"train_end {logs.Count}"))]);
        Assert.Equal([
            "train_begin",
            "epoch_begin 0", "batch_begin 0", "batch_end 0 True", "batch_begin 1", "batch_end 1 True", "epoch_end 0 loss,accuracy",
            "epoch_begin 1", "batch_begin 0", "batch_end 0 True", "batch_begin 1", "batch_end 1 True", "epoch_end 1 loss,accuracy",
            "train_end 2",
        ], events);
    }

    [Fact]
    public void CheckpointPathPlaceholdersFollowPythonFormatting()
    {
        var logs = new Dictionary<string, double> { ["val_loss"] = 0.123456, ["acc"] = 0.5 };
        Assert.Equal("m-07-0.12-0.500.safetensors", ModelCheckpoint.FormatPath("m-{epoch:02d}-{val_loss:.2f}-{acc:.3f}.safetensors", 6, logs));
        Assert.Equal("e3", ModelCheckpoint.FormatPath("e{epoch}", 2, logs));
        Assert.Throws<InvalidOperationException>(() => ModelCheckpoint.FormatPath("{val_accuracy}", 0, logs));
    }
}
