using System.Text.RegularExpressions;
using Engine.Cli.RunFolders;
using Engine.Cli.Tests.Support;

namespace Engine.Cli.Tests;

/// <summary>The probes of issue 17 that used to end in a stack trace, a silent success or a
/// half-written run: each is exit 2 with a message naming the input, and nothing written.</summary>
public class UserCausedErrorTests
{
    [Theory]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"layers\": 5}}")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"NoSuchLayer\", \"config\": {}}]}}")]
    [InlineData("{\"layers\": []}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"lay")]
    public void ABadModelJsonIsExit2ForTrainAndSummary(string json)
    {
        var root = CliRunner.TempDir();
        var model = Path.Combine(root, "model.json");
        File.WriteAllText(model, json);
        var run = Path.Combine(root, "run");

        var train = CliRunner.Run(["train", .. RunFolderOwnershipTests.Tiny, "--model", model, "--epochs", "1", "--output", run]);
        Assert.Equal(2, train.Code);
        Assert.Contains(model, train.Err);
        Assert.DoesNotContain("   at ", train.Err);
        Assert.False(Directory.Exists(run), "a refused run left a folder behind");

        var summary = CliRunner.Run("summary", "--model", model);
        Assert.Equal(2, summary.Code);
        Assert.Contains(model, summary.Err);
        Assert.DoesNotContain("   at ", summary.Err);
    }

    [Fact]
    public void ASplitThatLeavesNoValidationImageIsExit2BeforeTraining()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["a", "b"], perClass: 5, size: 20);
        var run = Path.Combine(root, "run");
        var (code, _, err) = CliRunner.Run("train", "--data", data, "--image-size", "20", "--validation-split", "0.01", "--device", "cpu", "--output", run);
        Assert.Equal(2, code);
        Assert.Contains("--validation-split 0.01 leaves no validation image (10 training, 0 validation of 10)", err);
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("0.999")]
    [InlineData("0.99")]
    public void ASplitThatLeavesNoTrainingImageIsExit2BeforeTraining(string split)
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        var (code, _, err) = CliRunner.Run("train", "--limit", "50", "--epochs", "1", "--device", "cpu", "--validation-split", split, "--output", run);
        Assert.Equal(2, code);
        Assert.Contains($"--validation-split {split} leaves no training image", err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void AnImageDamagedInsideIsFoundBeforeTheFirstEpochAndObeysOnBadFile()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["a", "b"], perClass: 6, size: 20);
        var damaged = Path.Combine(data, "b", "zz-damaged.png");
        File.WriteAllBytes(damaged, ImageFolders.DamagedInsidePng(20));
        var before = FolderSnapshot.Take(data);
        var run = Path.Combine(root, "run");
        string[] common = ["train", "--data", data, "--image-size", "20", "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--output", run];

        var refused = CliRunner.Run(common);
        Assert.Equal(2, refused.Code);
        Assert.Contains(damaged, refused.Err);
        Assert.Contains("could not be decoded", refused.Err);
        Assert.Contains("--on-bad-file skip", refused.Err);
        Assert.DoesNotContain("BadFilePolicy", refused.Err);
        Assert.False(Directory.Exists(run), "a half-written run folder was left");

        var skipped = CliRunner.Run([.. common, "--on-bad-file", "skip"]);
        Assert.True(skipped.Code == 0, skipped.Err);
        Assert.Contains("zz-damaged.png", skipped.Out);
        Assert.Contains("Found 12 files", skipped.Out);

        // evaluate decodes every image up front too, and names no library option.
        var evaluate = CliRunner.Run("evaluate", run, "--data", data);
        Assert.Equal(2, evaluate.Code);
        Assert.Contains(damaged, evaluate.Err);
        Assert.DoesNotContain("BadFilePolicy", evaluate.Err);
        before.AssertUnchanged(ignoreLock: false);
    }

    [Fact]
    public void PredictAnswersEveryReadableImageAndListsTheOthers()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["a", "b"], perClass: 4, size: 20);
        var run = Path.Combine(root, "run");
        var train = CliRunner.Run("train", "--data", data, "--image-size", "20", "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--output", run);
        Assert.True(train.Code == 0, train.Err);

        var good1 = Path.Combine(data, "a", "000.png");
        var good2 = Path.Combine(data, "b", "001.png");
        var text = Path.Combine(root, "notes.png");
        File.WriteAllText(text, "not an image");
        var damaged = Path.Combine(root, "damaged.png");
        File.WriteAllBytes(damaged, ImageFolders.DamagedInsidePng(20));
        var missing = Path.Combine(root, "missing.png");

        var (code, stdout, stderr) = CliRunner.Run("predict", good1, text, damaged, missing, good2, "--model", run);

        Assert.Equal(2, code);
        Assert.Contains("3 of 5 images could not be predicted", stderr);
        Assert.Contains($"{text}: not a PNG", stderr);
        Assert.Contains($"{damaged}: corrupt or unsupported image", stderr);
        Assert.Contains($"{missing}: file not found", stderr);
        // The readable ones still got their answer, shown by the path as given (not the basename).
        Assert.Matches($@"(?m)^{Regex.Escape(good1)}: [ab] \(0\.\d{{3}}\)", stdout);
        Assert.Matches($@"(?m)^{Regex.Escape(good2)}: [ab] \(0\.\d{{3}}\)", stdout);
    }

    [Fact]
    public void AHugeLearningRateStopsWithAHintAndKeepsOnlyFiniteCheckpoints()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        var (code, stdout, stderr) = CliRunner.Run(["train", .. RunFolderOwnershipTests.Tiny, "--epochs", "4", "--lr", "1e6", "--output", run]);
        Assert.Equal(2, code);
        Assert.Contains("diverged", stderr);
        Assert.Contains("try --lr 1E+05 or lower", stderr);
        Assert.DoesNotContain("Epoch 4/4", stdout);
        if (File.Exists(Path.Combine(run, RunFolder.ModelFile)))
        {
            using var model = Models.Model.Load(Path.Combine(run, RunFolder.ModelFile));
            foreach (var w in model.GetWeights().Values)
                Assert.All(w.ToFloatArray(), v => Assert.True(float.IsFinite(v), "the kept checkpoint has a non-finite weight"));
        }
        else Assert.Contains("no model was kept", stderr);
    }
}
