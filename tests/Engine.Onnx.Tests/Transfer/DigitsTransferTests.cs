using Engine.Data;
using Engine.Layers;
using Engine.Models;
using Engine.Onnx.Tests.Support;
using Engine.Tensors;

namespace Engine.Onnx.Tests.Transfer;

/// <summary>The whole path on a task small enough for every test run (about 20 s on 2 cores):
/// a CNN trained on digits 0–4 is exported to ONNX, imported back without its classifier, frozen,
/// given a new GlobalAveragePooling + Dense head and fitted on only 20 images per class of digits
/// 5–9; the same architecture trained from scratch on the same 100 images for the same epochs is
/// the baseline. Then the fine-tuned model is exported again and ONNX Runtime reproduces it.</summary>
public sealed class DigitsTransferTests
{
    private const int PerClass = 20;
    private const int Epochs = 15;
    private const double LearningRate = 1e-2;

    /// <summary>The pretrained start must win by at least this many accuracy points on the held-out
    /// test digits 5–9.</summary>
    private const double Margin = 0.10;

    [Fact]
    public void PretrainedBackboneBeatsScratchAndRoundTripsThroughOnnx()
    {
        var (train, test) = Digits.Load();
        using var dir = new TempDir();

        // 1. Pretrain on digits 0–4 and export.
        var (xa, ya) = Select(train, l => l < 5, int.MaxValue);
        using (var pretrained = Backbone(classes: 5, seed: 1))
        {
            pretrained.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
            pretrained.Fit(xa, ya, batchSize: 64, epochs: 2, verbose: 0);
            pretrained.ExportOnnx(dir.File("pretrained.onnx"));
        }

        // 2. Import the backbone (up to the last convolution block) and add a new head for 5–9.
        var (xb, yb) = Select(train, l => l >= 5, PerClass);
        var (xt, yt) = Select(test, l => l >= 5, int.MaxValue);
        using var backbone = OnnxModel.Load(dir.File("pretrained.onnx"), new OnnxImportOptions { StopAt = "features" });
        using var transfer = backbone.WithNewHead(classes: 5);
        Assert.All(transfer.Layers.Where(l => !l.Name.StartsWith("head_", StringComparison.Ordinal)), l => Assert.False(l.Trainable));
        var frozenBefore = backbone.GetLayer("features_conv").Weights[0].Value.ToFloatArray();
        var transferAccuracy = FitAndScore(transfer, xb, yb, xt, yt);
        Assert.Equal(frozenBefore, backbone.GetLayer("features_conv").Weights[0].Value.ToFloatArray());

        // 3. The same architecture from scratch, same data and budget.
        using var scratch = Backbone(classes: 5, seed: 2);
        var scratchAccuracy = FitAndScore(scratch, xb, yb, xt, yt);
        Assert.True(transferAccuracy >= scratchAccuracy + Margin,
            $"pretrained start {transferAccuracy:P1} vs from scratch {scratchAccuracy:P1}: expected a lead of at least {Margin:P0}");

        // 4. Unfreeze the top convolution and fine-tune a little at a lower rate: still a valid model.
        Assert.Single(transfer.UnfreezeTop(1));
        transfer.Compile(new Engine.Optimizers.Adam(1e-4), "sparse_categorical_crossentropy", ["accuracy"]);
        transfer.Fit(xb, yb, batchSize: 20, epochs: 2, verbose: 0);

        // 5. Export the fine-tuned model: ONNX Runtime reproduces Engine's predictions.
        transfer.ExportOnnx(dir.File("finetuned.onnx"), new OnnxExportOptions { ClassNames = ["5", "6", "7", "8", "9"] });
        using var sample = Rows(xt, 16);
        OrtRunner.AssertClose("fine-tuned transfer model", transfer.Predict(sample), OrtRunner.Run(dir.File("finetuned.onnx"), sample).Values.Single());
    }

    private static Sequential Backbone(int classes, ulong seed) => new(
    [
        new Input(1, 28, 28),
        new Conv2D(16, 3, activation: "relu", name: "conv1"),
        new BatchNormalization(name: "bn1"),
        new MaxPooling2D(2),
        new Conv2D(32, 3, activation: "relu", name: "conv2"),
        new MaxPooling2D(2),
        new Conv2D(32, 3, activation: "relu", name: "features"),
        new GlobalAveragePooling2D(),
        new Dense(classes, activation: "softmax"),
    ], seed: seed);

    private static double FitAndScore(Model model, Tensor x, Tensor y, Tensor xt, Tensor yt)
    {
        model.Compile(new Engine.Optimizers.Adam(LearningRate), "sparse_categorical_crossentropy", ["accuracy"]);
        model.Fit(x, y, batchSize: 20, epochs: Epochs, verbose: 0);
        return model.Evaluate(xt, yt)["accuracy"];
    }

    /// <summary>Up to <paramref name="perClass"/> images of each class that passes the filter; labels
    /// renumbered from 0 in class order.</summary>
    private static (Tensor X, Tensor Y) Select(LabeledImages set, Func<int, bool> keep, int perClass)
    {
        var classes = Enumerable.Range(0, set.NumClasses).Where(keep).ToArray();
        var taken = new Dictionary<int, int>();
        var pixels = new List<float>();
        var labels = new List<int>();
        var size = set.Channels * set.Height * set.Width;
        for (var i = 0; i < set.Count; i++)
        {
            var l = set.Labels[i];
            if (!keep(l) || taken.GetValueOrDefault(l) >= perClass) continue;
            taken[l] = taken.GetValueOrDefault(l) + 1;
            pixels.AddRange(set.Pixels.AsSpan(i * size, size).ToArray());
            labels.Add(Array.IndexOf(classes, l));
        }
        return (Tensor.FromArray(pixels.ToArray(), labels.Count, set.Channels, set.Height, set.Width), Tensor.FromArray(labels.ToArray(), labels.Count));
    }

    private static Tensor Rows(Tensor x, int n)
    {
        var per = x.Size / x.Shape[0];
        return Tensor.FromArray(x.ToFloatArray()[..(n * per)], [n, .. x.Shape.ToArray()[1..]]);
    }
}
