using System.Text.Json.Nodes;
using Engine.Callbacks;
using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Models;

public sealed class SaveLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-saveload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FilePath(string name) => Path.Combine(_dir, name);

    /// <summary>A small CNN with every stateful piece: batch-norm statistics, dropout, several layer types.</summary>
    private static Sequential SmallCnn(ulong seed = 21) => new([
        new Input(1, 10, 10),
        new Rescaling(2.0, -0.5),
        new Conv2D(4, 3, padding: "same", activation: "relu", kernelInitializer: "he_normal"),
        new BatchNormalization(),
        new MaxPooling2D(2),
        new Conv2D(6, (2, 3), strides: (1, 2)),
        new AveragePooling2D((2, 1)),
        new Flatten(),
        new Dropout(0.25),
        new Dense(4, activation: "softmax"),
    ], seed: seed);

    private static readonly (Tensor X, Tensor Y) Data = SyntheticImages.Make(64, classes: 4, seed: 5, size: 10);

    [Fact]
    public void SaveLoadPredictGivesIdenticalOutputs()
    {
        using var model = SmallCnn();
        model.Compile(optimizer: new Adam(0.01), loss: "sparse_categorical_crossentropy", metrics: ["accuracy", "top2"]);
        model.Fit(Data.X, Data.Y, epochs: 2, batchSize: 16, verbose: 0);
        var path = FilePath("cnn.safetensors");
        model.Save(path);

        using var loaded = Model.Load(path);
        Assert.IsType<Sequential>(loaded);
        Assert.Equal(model.GetSummary(), loaded.GetSummary());
        Assert.Equal(model.Predict(Data.X).ToArray<float>(), loaded.Predict(Data.X).ToArray<float>());
        Assert.Equal(2, loaded.Epoch);
        Assert.True(loaded.Compiled);
        Assert.Equal("adam", loaded.Optimizer!.Name);
        Assert.Equal(model.Optimizer!.Iterations, loaded.Optimizer.Iterations);
        Assert.Equal(model.Evaluate(Data.X, Data.Y), loaded.Evaluate(Data.X, Data.Y));
    }

    [Fact]
    public void TwoHeadModelRoundTrips()
    {
        using var model = SeedModels.TwoHead([1, 8, 8], 2, 5);
        model.Compile(optimizer: "rmsprop", losses: new() { ["coarse"] = "sparse_categorical_crossentropy", ["fine"] = "sparse_categorical_crossentropy" },
            lossWeights: new() { ["coarse"] = 0.3 }, headMetrics: new() { ["fine"] = ["accuracy"] });
        var x = Tensor.RandomNormal(new Shape(6, 1, 8, 8), new Rng(1));
        var path = FilePath("heads.safetensors");
        model.Save(path);
        using var loaded = Model.Load(path);
        Assert.Equal(["coarse", "fine"], loaded.OutputNames);
        var a = model.PredictAll(x);
        var b = loaded.PredictAll(x);
        Assert.Equal(a["coarse"].ToArray<float>(), b["coarse"].ToArray<float>());
        Assert.Equal(a["fine"].ToArray<float>(), b["fine"].ToArray<float>());
        var y = new Dictionary<string, Tensor> { ["coarse"] = Tensor.FromArray(new[] { 0, 1, 0, 1, 0, 1 }), ["fine"] = Tensor.FromArray(new[] { 0, 1, 2, 3, 4, 0 }) };
        Assert.Equal(model.Evaluate(x, y), loaded.Evaluate(x, y));
    }

    [Fact]
    public void ConfigIsReadableJsonThatRebuildsTheModel()
    {
        using var model = SmallCnn();
        var json = ModelConfig.ToJson(model);
        Assert.Equal("Sequential", json["class_name"]!.GetValue<string>());
        var layers = json["config"]!["layers"]!.AsArray();
        Assert.Equal("Conv2D", layers[1]!["class_name"]!.GetValue<string>());
        Assert.Equal("{\"name\":\"conv2d\",\"trainable\":true,\"filters\":4,\"kernel_size\":[3,3],\"strides\":[1,1],\"padding\":\"same\",\"data_format\":\"channels_first\",\"dilation_rate\":[1,1],\"groups\":1,\"activation\":\"relu\",\"use_bias\":true,\"kernel_initializer\":\"he_normal\",\"bias_initializer\":\"zeros\"}",
            layers[1]!["config"]!.ToJsonString());
        using var rebuilt = ModelConfig.FromJson((JsonObject)JsonNode.Parse(json.ToJsonString())!);
        Assert.Equal(json.ToJsonString(), ModelConfig.ToJson(rebuilt).ToJsonString());
        Assert.Equal(model.CountParams(), rebuilt.CountParams());
        // Same seed, same config: the fresh weights are the same too.
        FitTests.AssertSameWeights(model, rebuilt);
    }

    [Fact]
    public void WeightsOnlyFilesLoadIntoAnEqualModel()
    {
        using var a = SmallCnn(seed: 1);
        using var b = SmallCnn(seed: 2);
        var path = FilePath("w.safetensors");
        a.SaveWeights(path);
        b.LoadWeights(path);
        FitTests.AssertSameWeights(a, b);
        using var other = new Sequential([new Input(1, 10, 10), new Flatten(), new Dense(4)]);
        var e = Assert.Throws<CheckpointFormatException>(() => other.LoadWeights(path));
        Assert.Contains("weight 'dense/kernel' has shape (24, 4) in the file but (100, 4) in the model", e.Message);
        // The file is ordinary safetensors: other tools see plain tensors named by weight path.
        var (tensors, metadata) = Safetensors.Load(path);
        Assert.Contains("weights/conv2d/kernel", tensors.Keys);
        Assert.Equal(new Shape(4, 1, 3, 3), tensors["weights/conv2d/kernel"].Shape);
        Assert.Contains("model_config", metadata.Keys);
    }

    private static List<Callback> StatefulCallbacks(string dir) =>
        [new EarlyStopping(monitor: "loss", patience: 10, restoreBestWeights: true), new ReduceLROnPlateau(monitor: "loss", patience: 1, factor: 0.5), new BackupAndRestore(dir)];

    private static Sequential Compiled(ulong seed)
    {
        var m = SmallCnn(seed);
        m.Compile(optimizer: new Adam(0.02), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return m;
    }

    [Fact]
    public void InterruptedFitResumesBitwiseWithBackupAndRestore()
    {
        using var uninterrupted = Compiled(seed: 21);
        var expected = uninterrupted.Fit(Data.X, Data.Y, epochs: 4, batchSize: 16, verbose: 0, callbacks: StatefulCallbacks(FilePath("a")));

        var backup = FilePath("b");
        using (var first = Compiled(seed: 21))
        {
            var crash = new LambdaCallback(onEpochBegin: e => { if (e == 2) throw new IOException("simulated crash"); });
            Assert.Throws<IOException>(() => first.Fit(Data.X, Data.Y, epochs: 4, batchSize: 16, verbose: 0, callbacks: [.. StatefulCallbacks(backup), crash]));
        }
        Assert.True(File.Exists(Path.Combine(backup, "backup.safetensors")));

        // A new process: the model is rebuilt (even with another init seed) and Fit is called again.
        using var resumed = Compiled(seed: 999);
        var callbacks = StatefulCallbacks(backup);
        var rest = resumed.Fit(Data.X, Data.Y, epochs: 4, batchSize: 16, verbose: 0, callbacks: callbacks);

        Assert.Equal(2, ((BackupAndRestore)callbacks[2]).RestoredEpoch);
        Assert.Equal([2, 3], rest.Epoch);
        Assert.Equal(expected["loss"].Skip(2), rest["loss"]);
        Assert.Equal(expected["learning_rate"].Skip(2), rest["learning_rate"]);
        FitTests.AssertSameWeights(uninterrupted, resumed);
        Assert.Equal(uninterrupted.Optimizer!.LearningRate, resumed.Optimizer!.LearningRate);
        Assert.False(File.Exists(Path.Combine(backup, "backup.safetensors")));    // deleted once Fit completed
    }

    [Fact]
    public void BackupRestoresIntoASequentialThatBuildsFromItsFirstBatch()
    {
        static Sequential Lazy()
        {
            var m = new Sequential([new Flatten(), new Dense(8, activation: "relu"), new Dense(4, activation: "softmax")]);
            m.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
            return m;
        }
        var backup = FilePath("lazy");
        using (var first = Lazy())
            Assert.Throws<IOException>(() => first.Fit(Data.X, Data.Y, epochs: 3, verbose: 0, callbacks:
                [new BackupAndRestore(backup), new LambdaCallback(onEpochBegin: e => { if (e == 1) throw new IOException("crash"); })]));
        using var resumed = Lazy();
        Assert.False(resumed.Built);
        var h = resumed.Fit(Data.X, Data.Y, epochs: 3, verbose: 0, callbacks: [new BackupAndRestore(backup)]);
        Assert.Equal([1, 2], h.Epoch);
        using var straight = Lazy();
        straight.Fit(Data.X, Data.Y, epochs: 3, verbose: 0);
        FitTests.AssertSameWeights(straight, resumed);
    }

    [Fact]
    public void SaveLoadAndInitialEpochContinueBitwise()
    {
        using var uninterrupted = Compiled(seed: 3);
        uninterrupted.Fit(Data.X, Data.Y, epochs: 3, batchSize: 16, verbose: 0);

        var path = FilePath("after2.safetensors");
        using (var first = Compiled(seed: 3))
        {
            first.Fit(Data.X, Data.Y, epochs: 2, batchSize: 16, verbose: 0);
            first.Save(path);
        }
        using var loaded = Model.Load(path);
        Assert.Equal(2, loaded.Epoch);
        var h = loaded.Fit(Data.X, Data.Y, epochs: 3, batchSize: 16, verbose: 0, initialEpoch: loaded.Epoch);
        Assert.Equal([2], h.Epoch);
        FitTests.AssertSameWeights(uninterrupted, loaded);
    }

    private static byte[] SmallModelFile(string path)
    {
        using var model = new Sequential([new Input(3), new Dense(2, activation: "softmax")], seed: 8);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        model.TrainOnBatch(Tensor.RandomNormal(new Shape(4, 3), new Rng(2)), Tensor.FromArray(new[] { 0, 1, 1, 0 }));
        model.Save(path);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void EveryTruncationIsAClearError()
    {
        var path = FilePath("small.safetensors");
        var bytes = SmallModelFile(path);
        Assert.True(bytes.Length < 8000, $"the small file has {bytes.Length} bytes");
        var damaged = FilePath("damaged.safetensors");
        for (var length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(damaged, bytes.AsSpan(0, length).ToArray());
            var e = Assert.Throws<CheckpointFormatException>(() => Model.Load(damaged).Dispose());
            Assert.Contains("damaged.safetensors", e.Message);
        }
        using var intact = Model.Load(path);
        Assert.Equal(2, intact.OutputShapes.Single().Value[0]);
    }

    [Fact]
    public void RandomByteFlipsAreDetectedOrHarmless()
    {
        var path = FilePath("small.safetensors");
        var bytes = SmallModelFile(path);
        using var original = Model.Load(path);
        var probe = Tensor.RandomNormal(new Shape(5, 3), new Rng(4));
        var expected = original.Predict(probe).ToArray<float>();
        var rng = new Rng(123);
        var damaged = FilePath("flipped.safetensors");
        var detected = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            var copy = (byte[])bytes.Clone();
            var at = rng.NextInt(copy.Length);
            copy[at] ^= (byte)(1 + rng.NextInt(255));
            File.WriteAllBytes(damaged, copy);
            try
            {
                using var loaded = Model.Load(damaged);
                // Only changes that do not alter any value may load (e.g. one JSON whitespace for another).
                Assert.Equal(expected, loaded.Predict(probe).ToArray<float>());
                Assert.Equal(original.Optimizer!.Iterations, loaded.Optimizer!.Iterations);
            }
            catch (CheckpointFormatException)
            {
                detected++;
            }
        }
        Assert.True(detected > 2900, $"only {detected} of 3000 flips were reported");
    }

    [Fact]
    public void FilesThatAreNotModelsAreRejected()
    {
        var path = FilePath("plain.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros(new Shape(2)) });
        var e = Assert.Throws<CheckpointFormatException>(() => Model.Load(path));
        Assert.Contains("not an Engine model file", e.Message);
        Assert.Throws<FileNotFoundException>(() => Model.Load(FilePath("missing.safetensors")));
    }
}
