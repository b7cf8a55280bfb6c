using Engine.Cli.Tests.Support;
using Engine.Cli.RunFolders;
using Engine.Cli.Training;
using Engine.Autograd;
using Engine.Layers;
using Engine.Models;
using Engine.Onnx;
using Engine.Tensors;

namespace Engine.Cli.Tests;

/// <summary>`engine train --data DIR --model FILE.onnx [--freeze-backbone [--unfreeze-after N]]` end to
/// end on a small image folder, with a small backbone that Engine itself exports to ONNX here.</summary>
public class OnnxTransferTests
{
    private static readonly string[] Classes = ["cat", "dog", "fox"];

    /// <summary>Conv-BN-ReLU twice, then a classifier of its own (GAP + Dense(7)) that --feature-layer cuts off.</summary>
    private static Model Backbone()
    {
        var input = new Input([3, 16, 16], "image");
        var x = new Conv2D(6, new Size2(3, 3), padding: ConvPadding.Same, name: "conv1").Apply(input.Output);
        x = new BatchNormalization(name: "bn1").Apply(x);
        x = new ReLU(name: "relu1").Apply(x);
        x = new Conv2D(8, new Size2(3, 3), padding: ConvPadding.Same, name: "conv2").Apply(x);
        x = new BatchNormalization(name: "bn2").Apply(x);
        x = new ReLU(name: "features").Apply(x);
        x = new GlobalAveragePooling2D(name: "pool").Apply(x);
        var output = new Dense(7, name: "imagenet_top").Apply(x);
        return new Model(input, output, "tiny_backbone");
    }

    /// <summary>A folder of images, the exported backbone (metadata states the caffe preprocessing) and a run path.</summary>
    private static (string Data, string Onnx, string Run, Dictionary<string, float[]> Weights) Setup()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, Classes, perClass: 6, size: 20);
        var onnx = Path.Combine(root, "backbone.onnx");
        using var backbone = Backbone();
        // Non-trivial BatchNormalization statistics, so "unchanged" means something.
        var weights = backbone.GetWeights();
        var host = new Dictionary<string, float[]>();
        foreach (var (name, t) in weights)
        {
            var values = t.ToFloatArray();
            if (name.Contains("moving_mean")) for (var i = 0; i < values.Length; i++) values[i] = 0.1f * (i + 1);
            if (name.Contains("moving_variance")) for (var i = 0; i < values.Length; i++) values[i] = 1 + 0.2f * i;
            host[name] = values;
            t.Dispose();
        }
        backbone.SetWeights(host.ToDictionary(kv => kv.Key, kv => Tensor.FromArray(kv.Value, backbone.GetWeight(kv.Key).Shape)));
        backbone.ExportOnnx(onnx, new OnnxExportOptions { Preprocessing = "caffe" });
        return (data, onnx, Path.Combine(root, "run"), host);
    }

    private static float[] Saved(string run, string suffix)
    {
        using var model = Model.Load(Path.Combine(run, RunFolder.ModelFile), compile: false);
        var weights = model.GetWeights();
        try
        {
            return weights.Single(kv => kv.Key.EndsWith(suffix, StringComparison.Ordinal)).Value.ToFloatArray();
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    [Fact]
    public void FrozenBackboneTrainsOnlyTheHeadAndTheRunEvaluatesPredictsAndResumes()
    {
        var (data, onnx, run, original) = Setup();
        var train = CliRunner.Run("train", "--data", data, "--model", onnx, "--feature-layer", "features", "--freeze-backbone",
            "--epochs", "2", "--batch-size", "8", "--lr", "0.01", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.Contains("Backbone preprocessing: caffe (the ONNX file's 'preprocessing' metadata)", train.Out);
        Assert.Contains("Image size: 16", train.Out);

        // The marker records what --resume needs; the backbone (convolutions and BN statistics) is unchanged.
        var marker = File.ReadAllText(Path.Combine(run, "engine-run.json"));
        Assert.Contains("\"freeze_backbone\": true", marker);
        Assert.Contains("\"preprocess\": \"caffe\"", marker);
        Assert.Contains("\"feature_layer\": \"features\"", marker);
        Assert.Contains("\"image_size\": 16", marker);
        foreach (var name in new[] { "conv1/kernel", "conv2/kernel", "bn2/moving_mean", "bn2/moving_variance" })
            Assert.Equal(original.Single(kv => kv.Key.EndsWith(name, StringComparison.Ordinal)).Value, Saved(run, name));
        Assert.Equal(3, Saved(run, "head_dense/bias").Length);
        Assert.Equal([-103.939f, -116.779f, -123.68f], Saved(run, "preprocess/bias"));

        var evaluate = CliRunner.Run("evaluate", run);
        Assert.True(evaluate.Code == 0, evaluate.Err);
        Assert.Contains("accuracy", evaluate.Out);
        var image = Directory.GetFiles(Path.Combine(data, "dog"))[0];
        var predict = CliRunner.Run("predict", image, "--model", run);
        Assert.True(predict.Code == 0, predict.Err);
        Assert.Matches(@"\.png: (cat|dog|fox) \(", predict.Out);

        // Train further: rebuilt from the recorded .onnx; refused clearly once the file is gone.
        var more = CliRunner.Run("train", "--resume", run, "--epochs", "3");
        Assert.True(more.Code == 0, more.Out + more.Err);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, RunFolder.HistoryCsv)).Length);
        File.Move(onnx, onnx + ".moved");
        var gone = CliRunner.Run("train", "--resume", run, "--epochs", "4");
        Assert.Equal(2, gone.Code);
        Assert.Contains($"ONNX file '{onnx}' does not exist", gone.Err);
        Assert.DoesNotContain("   at ", gone.Err);
        // evaluate and predict need only the run folder.
        Assert.Equal(0, CliRunner.Run("predict", image, "--model", run).Code);
    }

    [Fact]
    public void UnfreezeAfterTrainsTheTopLayersAtATenthOfTheRateAndResumesInThatPhase()
    {
        var (data, onnx, run, original) = Setup();
        var train = CliRunner.Run("train", "--data", data, "--model", onnx, "--feature-layer", "features", "--freeze-backbone",
            "--unfreeze-after", "1", "--unfreeze-layers", "1", "--epochs", "2", "--batch-size", "8", "--lr", "0.01", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.Contains("Unfreezing after epoch 1: conv2 (BatchNormalization stays frozen); learning rate 0.001.", train.Out);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, RunFolder.HistoryCsv)).Length);
        // Only the top convolution trained; the lower one and every BN statistic did not.
        Assert.Equal(original.Single(kv => kv.Key.EndsWith("conv1/kernel", StringComparison.Ordinal)).Value, Saved(run, "conv1/kernel"));
        Assert.Equal(original.Single(kv => kv.Key.EndsWith("bn2/moving_mean", StringComparison.Ordinal)).Value, Saved(run, "bn2/moving_mean"));

        // A further epoch resumes in the fine-tuning phase (its optimizer covers conv2 too).
        var more = CliRunner.Run("train", "--resume", run, "--epochs", "3");
        Assert.True(more.Code == 0, more.Out + more.Err);
        Assert.Contains("Unfreezing after epoch 1: conv2", more.Out);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, RunFolder.HistoryCsv)).Length);
    }

    /// <summary>The phase change at epoch n rewrites the backup of epoch n in the unfrozen layout. Both
    /// layouts of an epoch-n checkpoint must resume: made here by moving the run's recorded
    /// --unfreeze-after to the epoch its checkpoint holds (the folder a kill right after the phase
    /// change leaves looks the same), and by a head-only checkpoint at n.</summary>
    [Fact]
    public void ACheckpointAtThePhaseChangeResumesInEitherLayout()
    {
        var (data, onnx, run, _) = Setup();
        string[] common = ["--data", data, "--model", onnx, "--feature-layer", "features", "--freeze-backbone", "--batch-size", "8", "--lr", "0.01", "--device", "cpu"];
        // Head-only checkpoint at epoch 1, then its settings say "unfreeze after 1".
        var first = CliRunner.Run(["train", .. common, "--epochs", "1", "--output", run]);
        Assert.True(first.Code == 0, first.Out + first.Err);
        SetSettings(run, s => { s["unfreeze_after"] = 1; s["unfreeze_layers"] = 1; });
        var second = CliRunner.Run("train", "--resume", run, "--epochs", "2");
        Assert.True(second.Code == 0, second.Out + second.Err);
        Assert.Contains("Unfreezing after epoch 1: conv2", second.Out);

        // Unfrozen-layout checkpoint at epoch 2, then its settings say "unfreeze after 2".
        SetSettings(run, s => s["unfreeze_after"] = 2);
        var third = CliRunner.Run("train", "--resume", run, "--epochs", "3");
        Assert.True(third.Code == 0, third.Out + third.Err);
        Assert.Contains("Unfreezing after epoch 2: conv2", third.Out);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, RunFolder.HistoryCsv)).Length);
    }

    private static void SetSettings(string run, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var path = Path.Combine(run, "engine-run.json");
        var marker = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(marker["settings"]!.AsObject());
        File.WriteAllText(path, marker.ToJsonString());
    }

    [Fact]
    public void WithoutFreezeEverythingFineTunes()
    {
        var (data, onnx, run, original) = Setup();
        var train = CliRunner.Run("train", "--data", data, "--model", onnx, "--feature-layer", "features", "--image-size", "12",
            "--epochs", "1", "--batch-size", "8", "--lr", "0.01", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.NotEqual(original.Single(kv => kv.Key.EndsWith("conv1/kernel", StringComparison.Ordinal)).Value, Saved(run, "conv1/kernel"));
        Assert.Contains("\"image_size\": 12", File.ReadAllText(Path.Combine(run, "engine-run.json")));
    }

    [Fact]
    public void BadOnnxFilesAndOptionsAreUsageErrorsBeforeAnythingIsWritten()
    {
        var (data, onnx, run, _) = Setup();
        string[] Args(string model, params string[] extra) =>
            ["train", "--data", data, "--model", model, "--epochs", "2", "--device", "cpu", "--output", run, .. extra];

        var missing = CliRunner.Run(Args(onnx + ".missing.onnx", "--freeze-backbone"));
        Assert.Equal(2, missing.Code);
        Assert.Contains("does not exist", missing.Err);

        var truncated = onnx + ".truncated.onnx";
        File.WriteAllBytes(truncated, File.ReadAllBytes(onnx)[..40]);
        var bad = CliRunner.Run(Args(truncated, "--freeze-backbone"));
        Assert.Equal(2, bad.Code);
        Assert.Contains($"--model '{truncated}' cannot be used", bad.Err);

        // An op the importer does not know: its own message names op, node and opset.
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        proto.Graph.Node.First(n => n.OpType == "Relu").OpType = "Erf";
        var unsupported = onnx + ".erf.onnx";
        File.WriteAllBytes(unsupported, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        var erf = CliRunner.Run(Args(unsupported, "--freeze-backbone"));
        Assert.Equal(2, erf.Code);
        Assert.Contains("ONNX op 'Erf'", erf.Err);
        Assert.Contains("not supported", erf.Err);

        var noLayer = CliRunner.Run(Args(onnx, "--feature-layer", "nope"));
        Assert.Equal(2, noLayer.Code);
        Assert.Contains("nope", noLayer.Err);

        var unfreezeAlone = CliRunner.Run(Args(onnx, "--unfreeze-after", "1"));
        Assert.Equal(2, unfreezeAlone.Code);
        Assert.Contains("--unfreeze-after needs --freeze-backbone", unfreezeAlone.Err);
        var tooLate = CliRunner.Run(Args(onnx, "--freeze-backbone", "--unfreeze-after", "2"));
        Assert.Equal(2, tooLate.Code);
        Assert.Contains("less than --epochs (2)", tooLate.Err);
        var freezeSeed = CliRunner.Run("train", "--data", data, "--freeze-backbone", "--output", run);
        Assert.Equal(2, freezeSeed.Code);
        Assert.Contains("pass --model FILE.onnx", freezeSeed.Err);

        foreach (var r in new[] { missing, bad, erf, noLayer, unfreezeAlone, tooLate, freezeSeed })
            Assert.DoesNotContain("   at ", r.Err);
        Assert.False(Directory.Exists(run), "nothing may be written for a refused run");
    }
}

/// <summary>The packaged ImageNet ResNet18 (Microsoft.ML.DnnImageFeaturizer.ResNet18, restored by the
/// build) through the CLI at 32x32: frozen, then its top five convolutions at a tenth of the rate.</summary>
public class ResNet18TransferCliTests
{
    private static string ResNet18 => typeof(ResNet18TransferCliTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ResNet18Onnx").Value!;

    [Fact]
    public void ResNet18FrozenThenUnfrozenAtASmallSize()
    {
        Assert.True(File.Exists(ResNet18), $"the restored package should hold {ResNet18}");
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["a", "b"], perClass: 6, size: 40);
        var run = Path.Combine(root, "run");

        // Without --feature-layer the file's 7x7 average pool does not fit 32x32: a clear hint, nothing written.
        var whole = CliRunner.Run("train", "--data", data, "--model", ResNet18, "--image-size", "32", "--freeze-backbone", "--device", "cpu", "--output", run);
        Assert.Equal(2, whole.Code);
        Assert.Contains("Pooling395", whole.Err);
        Assert.Contains("--feature-layer", whole.Err);
        Assert.False(Directory.Exists(run));

        var train = CliRunner.Run("train", "--data", data, "--model", ResNet18, "--feature-layer", "ReLU393", "--image-size", "32", "--preprocess", "caffe",
            "--freeze-backbone", "--unfreeze-after", "1", "--epochs", "2", "--batch-size", "8", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.Contains("Trainable params: 1,026 ", train.Out); // the head alone: 512 x 2 + 2
        Assert.Contains("Unfreezing after epoch 1: Convolution387, Convolution381, Convolution373, Convolution367, Convolution359", train.Out);
        Assert.Contains("learning rate 0.0001.", train.Out);
        var evaluate = CliRunner.Run("evaluate", run);
        Assert.True(evaluate.Code == 0, evaluate.Err);
        var predict = CliRunner.Run("predict", Directory.GetFiles(Path.Combine(data, "a"))[0], "--model", run);
        Assert.True(predict.Code == 0, predict.Err);
    }
}
