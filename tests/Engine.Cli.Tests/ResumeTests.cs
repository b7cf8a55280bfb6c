using Engine.Cli.RunFolders;
using Engine.Cli.Tests.Support;

namespace Engine.Cli.Tests;

/// <summary>--resume: an interrupted run continues where it stopped, a finished run trains further
/// with more --epochs (Keras's initial_epoch), both bitwise the same as one uninterrupted run.</summary>
public class ResumeTests
{
    [Fact]
    public void TrainingAFinishedRunFurtherEqualsTrainingItLongerAtOnce()
    {
        var root = CliRunner.TempDir();
        var straight = Path.Combine(root, "straight");
        var inTwo = Path.Combine(root, "in-two");
        Assert.Equal(0, RunFolderOwnershipTests.Train(straight, "--epochs", "3").Code);
        Assert.Equal(0, RunFolderOwnershipTests.Train(inTwo, "--epochs", "2").Code);

        var more = CliRunner.Run("train", "--resume", inTwo, "--epochs", "3");
        Assert.True(more.Code == 0, more.Err);
        Assert.Contains("epochs 3 to 3", more.Out);
        Assert.Contains("Epoch 3/3", more.Out);

        AssertSameTraining(straight, inTwo);
        Assert.Contains("\"epochs\": 3", File.ReadAllText(Path.Combine(inTwo, RunFolder.ConfigFile)));
        Assert.False(Directory.Exists(Path.Combine(inTwo, RunFolder.BackupFolder)));
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameBits()
    {
        var root = CliRunner.TempDir();
        var straight = Path.Combine(root, "straight");
        var cut = Path.Combine(root, "cut");
        Assert.Equal(0, RunFolderOwnershipTests.Train(straight, "--epochs", "3").Code);
        Assert.Equal(0, RunFolderOwnershipTests.Train(cut, "--epochs", "3").Code);
        // Back to the state a kill after epoch 3's backup leaves; then resume (nothing left but the end).
        RunFolderOwnershipTests.Interrupt(cut);
        var resumed = CliRunner.Run("train", "--resume", cut);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("after epoch 3", resumed.Out);
        AssertSameTraining(straight, cut);
    }

    [Fact]
    public void ChangedDataIsFoundBeforeAnythingIsWritten()
    {
        var root = CliRunner.TempDir();
        var data = Path.Combine(root, "data");
        ImageFolders.Write(data, ["cat", "dog"], perClass: 6, size: 20);
        var run = Path.Combine(root, "run");
        var first = CliRunner.Run("train", "--data", data, "--image-size", "20", "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--output", run);
        Assert.True(first.Code == 0, first.Err);
        ImageFolders.Write(data, ["emu"], perClass: 6, size: 20);
        var before = FolderSnapshot.Take(run);

        var (code, _, err) = CliRunner.Run("train", "--resume", run, "--epochs", "2");

        Assert.Equal(2, code);
        Assert.Contains("changed since the run began", err);
        Assert.Contains("emu", err);
        before.AssertUnchanged();
    }

    /// <summary>The kept checkpoint, the final training state and the history agree byte for byte.</summary>
    internal static void AssertSameTraining(string expected, string actual)
    {
        foreach (var file in new[] { RunFolder.ModelFile, RunFolder.StateFile, RunFolder.HistoryCsv })
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))),
                $"{file} differs between {expected} and {actual}");
    }
}
