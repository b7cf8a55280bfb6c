using Engine.Autograd;
using Engine.Callbacks;
using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Tests.Models;

public class FitTests
{
    [Fact]
    public void SeedCnnLearnsSyntheticDigitsAbove90Percent()
    {
        // seeds/001 ported line by line: build_basic_cnn((1, 28, 28), 10), adam, sparse CE, accuracy.
        var (x, y) = SyntheticImages.Make(480, classes: 10, seed: 7);
        using var model = SeedModels.BasicCnn([1, 28, 28], 10);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit(x, y, epochs: 2, batchSize: 32, validationSplit: 0.2, verbose: 0);

        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy"], history.Keys);
        Assert.Equal([0, 1], history.Epoch);
        Assert.True(history["val_accuracy"][^1] >= 0.9, $"val_accuracy {history["val_accuracy"][^1]:F3} after 2 epochs; expected >= 0.90");
        Assert.True(history["loss"][1] < history["loss"][0]);

        var (tx, ty) = SyntheticImages.Make(200, classes: 10, seed: 99);
        var result = model.Evaluate(tx, ty);
        Assert.True(result["accuracy"] >= 0.9, $"test accuracy {result["accuracy"]:F3}");
        var predicted = model.Predict(tx);
        Assert.Equal(new Shape(200, 10), predicted.Shape);
        Assert.Equal(result["accuracy"], Accuracy(predicted, ty), 6);
    }

    private static double Accuracy(Tensor probs, Tensor labels)
    {
        var p = probs.ToFloatArray();
        var l = labels.ToArray<int>();
        var c = probs.Shape[1];
        var correct = 0;
        for (var i = 0; i < l.Length; i++)
        {
            var best = 0;
            for (var j = 1; j < c; j++) if (p[i * c + j] > p[i * c + best]) best = j;
            if (best == l[i]) correct++;
        }
        return (double)correct / l.Length;
    }

    private static Sequential SmallDense(int features = 6, int classes = 3, string? activation = "softmax", ulong seed = 5) => new([
        new Input(features),
        new Dense(16, activation: "relu"),
        new Dense(classes, activation: activation),
    ], seed: seed);

    [Fact]
    public void OneHotTargetsWithCategoricalCrossentropy()
    {
        // seeds/000 example 2: softmax + categorical_crossentropy on one-hot targets.
        var (x, y) = SyntheticImages.Blobs(300);
        using var model = SmallDense();
        model.Compile(optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"]);
        var h = model.Fit(x, SyntheticImages.OneHot(y, 3), epochs: 8, batchSize: 32, verbose: 0);
        Assert.True(h["accuracy"][^1] > 0.95, $"accuracy {h["accuracy"][^1]}");
    }

    [Fact]
    public void FitOnADatasetMatchesFitOnTheSameArraysWithoutShuffle()
    {
        var (x, y) = SyntheticImages.Blobs(96);
        using var a = SmallDense();
        using var b = SmallDense();
        a.Compile(optimizer: new Sgd(0.05), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        b.Compile(optimizer: new Sgd(0.05), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var ha = a.Fit(x, y, epochs: 2, batchSize: 16, shuffle: false, verbose: 0);
        var hb = b.Fit(new FixedOrderDataset(x, y, 16), epochs: 2, verbose: 0);
        Assert.Equal(ha["loss"], hb["loss"]);
        AssertSameWeights(a, b);
    }

    [Fact]
    public void ShuffleIsReproducibleFromTheSeedAndChangesTheOrder()
    {
        var (x, y) = SyntheticImages.Blobs(64);
        double[] Run(ulong seed, bool shuffle)
        {
            using var m = SmallDense();
            m.Compile(optimizer: new Sgd(0.05), loss: "sparse_categorical_crossentropy");
            m.Fit(x, y, epochs: 2, batchSize: 8, shuffle: shuffle, seed: seed, verbose: 0);
            return m.GetWeights()["dense/kernel"].ToDoubleArray();
        }
        Assert.Equal(Run(1, true), Run(1, true));
        Assert.NotEqual(Run(1, true), Run(2, true));
        Assert.NotEqual(Run(1, true), Run(1, false));
    }

    [Fact]
    public void CustomTrainingLoopMatchesTrainOnBatch()
    {
        // The documented loop for users who outgrow Fit: forward, loss, backward, step, zero grads.
        var (x, y) = SyntheticImages.Blobs(32);
        using var viaFit = SmallDense(activation: null);
        using var manual = SmallDense(activation: null);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        viaFit.Compile(optimizer: new Adam(0.01), loss: loss);
        var optimizer = new Adam(0.01);
        for (var step = 0; step < 3; step++)
        {
            viaFit.TrainOnBatch(x, y);
            using var scope = new TensorScope();
            var logits = manual.Forward(x, training: true);
            var value = loss.Call(y, logits);
            value.Backward();
            optimizer.Step(manual.TrainableWeights);
            Optimizer.ZeroGrad(manual.TrainableWeights);
        }
        AssertSameWeights(viaFit, manual);
    }

    [Fact]
    public void TwoHeadModelTrainsBothHeadsWithTheirOwnLossesWeightsAndMetrics()
    {
        // Hierarchical labels: coarse = fine / 5 (two groups of five classes).
        var (x, fine) = SyntheticImages.Make(256, classes: 10, seed: 3, size: 12);
        var coarse = Tensor.FromArray(fine.ToArray<int>().Select(f => f / 5).ToArray());
        using var model = SeedModels.TwoHead([1, 12, 12], coarse: 2, fine: 10);
        model.Compile(optimizer: "adam",
            losses: new() { ["coarse"] = "sparse_categorical_crossentropy", ["fine"] = new SparseCategoricalCrossentropy() },
            lossWeights: new() { ["coarse"] = 0.5, ["fine"] = 1.0 },
            headMetrics: new() { ["coarse"] = ["accuracy"], ["fine"] = ["accuracy", "top3"] });
        var h = model.Fit(x, new Dictionary<string, Tensor> { ["coarse"] = coarse, ["fine"] = fine }, epochs: 6, batchSize: 32, verbose: 0);

        Assert.Equal(["loss", "coarse_loss", "fine_loss", "coarse_accuracy", "fine_accuracy", "fine_top3"], h.Keys);
        for (var e = 0; e < 6; e++)
            Assert.Equal(0.5 * h["coarse_loss"][e] + h["fine_loss"][e], h["loss"][e], 4);
        Assert.True(h["coarse_accuracy"][^1] > 0.9, $"coarse accuracy {h["coarse_accuracy"][^1]}");
        Assert.True(h["fine_accuracy"][^1] > 0.8, $"fine accuracy {h["fine_accuracy"][^1]}");
        var predictions = model.PredictAll(x);
        Assert.Equal(new Shape(256, 2), predictions["coarse"].Shape);
        Assert.Equal(new Shape(256, 10), predictions["fine"].Shape);
    }

    [Fact]
    public void ValidationDataAndEvaluateAgree()
    {
        var (x, y) = SyntheticImages.Blobs(120);
        var (vx, vy) = SyntheticImages.Blobs(40, seed: 9);
        using var model = SmallDense();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var h = model.Fit(x, y, epochs: 2, validationData: (vx, vy), verbose: 0);
        var e = model.Evaluate(vx, vy);
        Assert.Equal(h["val_loss"][^1], e["loss"], 5);
        Assert.Equal(h["val_accuracy"][^1], e["accuracy"], 10);
    }

    [Fact]
    public void SampleWeightsOfZeroRemoveSamplesFromTheLoss()
    {
        var (x, y) = SyntheticImages.Blobs(8);
        using var model = SmallDense();
        model.Compile(optimizer: new Sgd(0.1), loss: "sparse_categorical_crossentropy");
        var w = Tensor.FromArray(new float[] { 1, 1, 1, 1, 0, 0, 0, 0 });
        var full = model.Evaluate(x, y)["loss"];
        var weighted = model.Evaluate(x, y, sampleWeight: w)["loss"];
        var firstHalf = model.Evaluate(HostRows.Slice(x, 0, 4), HostRows.Slice(y, 0, 4))["loss"];
        // Keras's reduction: Σ w·loss / N, so zero weights halve the mean of the first four.
        Assert.Equal(firstHalf / 2, weighted, 5);
        Assert.NotEqual(full, weighted, 3);
    }

    [Fact]
    public void ClassWeightsScaleTheLossOfEachClass()
    {
        var (x, y) = SyntheticImages.Blobs(30);
        using var model = SmallDense();
        model.Compile(optimizer: new Sgd(0.1), loss: "sparse_categorical_crossentropy");
        var labels = y.ToArray<int>();
        var plain = model.TestOnBatch(x, y)["loss"];
        var onlyClass1 = Tensor.FromArray(labels.Select(l => l == 1 ? 3f : 0f).ToArray());
        var expected = model.TestOnBatch(x, y, onlyClass1)["loss"];
        var before = model.GetWeights();
        var logs = model.TrainOnBatch(x, y, classWeight: new Dictionary<int, double> { [0] = 0, [1] = 3, [2] = 0 });
        Assert.Equal(expected, logs["loss"], 5);
        Assert.NotEqual(plain, expected, 3);
        Assert.NotEqual(before["dense/kernel"].ToDoubleArray(), model.GetWeights()["dense/kernel"].ToDoubleArray());
    }

    [Fact]
    public void DropoutAndBatchNormTrainAndInferDifferently()
    {
        var (x, y) = SyntheticImages.Make(64, classes: 4, seed: 2, size: 10);
        using var model = new Sequential([
            new Input(1, 10, 10), new Conv2D(4, 3, padding: "same"), new BatchNormalization(), new Activation("relu"),
            new GlobalAveragePooling2D(), new Dropout(0.5), new Dense(4, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var meanBefore = model.GetLayer("batch_normalization").Weights.Single(w => w.Name == "moving_mean").Value.ToDoubleArray();
        model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 0);
        var meanAfter = model.GetLayer("batch_normalization").Weights.Single(w => w.Name == "moving_mean").Value.ToDoubleArray();
        Assert.NotEqual(meanBefore, meanAfter);

        using var scope = new TensorScope();
        var a = model.Forward(x).ToDoubleArray();
        var b = model.Forward(x).ToDoubleArray();
        Assert.Equal(a, b);                                             // inference is deterministic
        var t1 = model.Forward(x, training: true).ToDoubleArray();
        var t2 = model.Forward(x, training: true).ToDoubleArray();
        Assert.NotEqual(t1, t2);                                        // fresh dropout masks per step
    }

    [Fact]
    public void FrozenLayersKeepTheirWeights()
    {
        var (x, y) = SyntheticImages.Blobs(32);
        using var model = SmallDense();
        model.GetLayer("dense").Trainable = false;
        model.Compile(optimizer: new Sgd(0.1), loss: "sparse_categorical_crossentropy");
        var before = model.GetWeights();
        model.Fit(x, y, epochs: 1, verbose: 0);
        var after = model.GetWeights();
        Assert.Equal(before["dense/kernel"].ToDoubleArray(), after["dense/kernel"].ToDoubleArray());
        Assert.NotEqual(before["dense_1/kernel"].ToDoubleArray(), after["dense_1/kernel"].ToDoubleArray());
        Assert.Contains("Non-trainable params: 112", model.GetSummary());
    }

    [Fact]
    public void ProgressLinesLookLikeKeras()
    {
        var (x, y) = SyntheticImages.Blobs(40);
        using var model = SmallDense();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var verbose1 = new StringWriter();
        model.Fit(x, y, epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: 1, output: verbose1);
        var lines = verbose1.ToString().ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Epoch 1/2", lines[0]);
        Assert.Matches(@"^2/2 \[==============================\] - \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$", lines[1]);
        Assert.Equal("Epoch 2/2", lines[2]);

        var verbose2 = new StringWriter();
        model.Fit(x, y, epochs: 1, batchSize: 16, verbose: 2, output: verbose2);
        Assert.Matches(@"^Epoch 1/1\n3/3 - \d+s - \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n$", verbose2.ToString().ReplaceLineEndings("\n"));

        var silent = new StringWriter();
        model.Fit(x, y, epochs: 1, verbose: 0, output: silent);
        Assert.Equal("", silent.ToString());
    }

    [Fact]
    public void ModelRunsOnTheDeviceOfItsWeights()
    {
        var (x, y) = SyntheticImages.Blobs(16);
        using var model = SmallDense();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", device: Device.Cpu);
        Assert.Equal(Device.Cpu, model.Device);
        Assert.All(model.Weights, w => Assert.Equal(Device.Cpu, w.Value.Device));
        model.Fit(x, y, epochs: 1, verbose: 0);
        // A device that does not exist fails clearly and leaves the model where it was.
        Assert.ThrowsAny<Exception>(() => model.To(Device.Cuda(7)));
        Assert.Equal(Device.Cpu, model.Device);
        Assert.All(model.Weights, w => Assert.Equal(Device.Cpu, w.Value.Device));
    }

    internal static void AssertSameWeights(Model a, Model b)
    {
        var wa = a.GetWeights();
        var wb = b.GetWeights();
        Assert.Equal(wa.Keys, wb.Keys);
        foreach (var k in wa.Keys) Assert.True(wa[k].ToDoubleArray().SequenceEqual(wb[k].ToDoubleArray()), $"weight {k} differs");
    }
}
