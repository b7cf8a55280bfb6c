using Engine.Cli.RunFolders;
using Engine.Cli.Tests.Support;
using Engine.Models;

namespace Engine.Cli.Tests;

/// <summary>`engine train --model ZOO --data DIR` end to end on a tiny image folder, and the clear
/// usage error for a zoo model whose input size is below its minimum.</summary>
public class ZooTrainTests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet20TrainsOnAnImageFolderAndItsRunEvaluates()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        var run = Path.Combine(root, "run");
        ImageFolders.Write(data, ["a", "b"], perClass: 8, size: 32);
        var (code, stdout, stderr) = CliRunner.Run("train", "--model", "resnet20", "--data", data, "--image-size", "32", "--epochs", "1",
            "--batch-size", "8", "--validation-split", "0.25", "--device", "cpu", "--output", run);
        output.WriteLine(stdout + stderr);
        Assert.True(code == 0, stderr);

        // The checkpoint is the zoo model behind the rescaling: 3x32x32 in, two classes out.
        using (var model = Model.Load(Path.Combine(run, RunFolder.ModelFile)))
        {
            Assert.Equal([3, 32, 32], model.InputShape!);
            Assert.Equal(2, model.OutputShapes.Values.Single()[^1]);
        }
        var evaluate = CliRunner.Run("evaluate", run);
        Assert.True(evaluate.Code == 0, evaluate.Err);
        Assert.Contains("Confusion matrix", evaluate.Out);
        Assert.Contains("accuracy", evaluate.Out);
    }

    [Fact]
    public void AZooModelBelowItsMinimumImageSizeIsAUsageError()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["a", "b"], perClass: 3, size: 16);
        var run = Path.Combine(root, "run");
        var (code, _, stderr) = CliRunner.Run("train", "--model", "resnet18", "--data", data, "--image-size", "16", "--epochs", "1",
            "--device", "cpu", "--output", run);
        Assert.Equal(2, code);
        Assert.Contains("--model resnet18", stderr);
        Assert.Contains("at least 32x32; received 16x16", stderr);
        Assert.DoesNotContain("   at ", stderr);   // no stack trace
    }
}
