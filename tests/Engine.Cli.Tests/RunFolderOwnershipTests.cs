using Engine.Cli.RunFolders;
using Engine.Cli.Tests.Support;

namespace Engine.Cli.Tests;

/// <summary>The run folder belongs to the user: `train` writes only into a new or empty folder or a
/// run of its own, refuses everything else with exit 2 and leaves every byte as it was.</summary>
public class RunFolderOwnershipTests
{
    internal static readonly string[] Tiny = ["--limit", "100", "--batch-size", "32", "--device", "cpu"];

    internal static (int Code, string Out, string Err) Train(string output, params string[] extra) =>
        CliRunner.Run(["train", .. Tiny, "--output", output, .. extra]);

    [Fact]
    public void AFolderWithTheUsersFilesIsNeverWrittenTo()
    {
        var dir = Path.Combine(CliRunner.TempDir(), "mine");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "history.csv"), "the user's own history\n");
        File.WriteAllText(Path.Combine(dir, "config.json"), "{\"mine\": true}");
        var before = FolderSnapshot.Take(dir);

        var (code, _, err) = Train(dir, "--epochs", "1");

        Assert.Equal(2, code);
        Assert.Contains("is not an Engine run folder", err);
        Assert.Contains("Nothing was written", err);
        before.AssertUnchanged(ignoreLock: false);
    }

    [Fact]
    public void AnExistingFileAsOutputIsRefusedAndKept()
    {
        var file = Path.Combine(CliRunner.TempDir(), "notes.txt");
        File.WriteAllText(file, "keep me");
        var (code, _, err) = Train(file, "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Contains("is an existing file", err);
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void AnOutputThatCannotBeCreatedIsExit2WithoutATrace()
    {
        string output;
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            var locked = Path.Combine(CliRunner.TempDir(), "read-only");
            Directory.CreateDirectory(locked);
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            output = Path.Combine(locked, "run");
        }
        else
        {
            // Root may write anywhere on a normal file system; kernel file systems still refuse a new folder.
            output = Directory.Exists("/sys/kernel") ? "/sys/kernel/engine-run-test" : "/proc/engine-run-test";
        }
        var (code, _, err) = Train(output, "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Contains("cannot be created", err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AnEmptyFolderIsUsedAndMarkedAsARun()
    {
        var dir = CliRunner.TempDir();
        var (code, _, err) = Train(dir, "--epochs", "1");
        Assert.True(code == 0, err);
        var marker = File.ReadAllText(Path.Combine(dir, RunMarker.FileName));
        Assert.Contains("\"format\": \"engine-run\"", marker);
        Assert.Contains("\"version\": 1", marker);
        Assert.True(File.Exists(Path.Combine(dir, RunFolder.StateFile)));
        // A finished run leaves no (empty) backup folder behind.
        Assert.False(Directory.Exists(Path.Combine(dir, RunFolder.BackupFolder)));
        Assert.Equal(RunFolderState.Finished, RunFolder.Inspect(dir));
    }

    [Fact]
    public void WhatARunKilledWhileStartingLeavesDoesNotMakeTheFolderForeign()
    {
        // Killed after taking the lock, during the marker's atomic write: the lock files and the
        // marker's temporary file are all there is. A new train uses the folder and tidies it.
        var dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, RunLock.LockName), "");
        File.WriteAllText(Path.Combine(dir, RunLock.HolderName), "12345");
        var temp = Path.Combine(dir, $".{RunMarker.FileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, "{\"format\": \"engine-r");
        Assert.Equal(RunFolderState.Empty, RunFolder.Inspect(dir));

        var (code, _, err) = Train(dir, "--epochs", "1");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(temp));

        // Any other hidden file still makes the folder the user's.
        var other = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(other, $".notes.{Guid.NewGuid():N}.tmp"), "mine");
        Assert.Equal(RunFolderState.NotARun, RunFolder.Inspect(other));
    }

    [Fact]
    public void AFinishedRunIsNotOverwrittenAndNamesTheWayToTrainFurther()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        Assert.Equal(0, Train(run, "--epochs", "1").Code);
        var before = FolderSnapshot.Take(run);

        var again = Train(run, "--epochs", "2", "--lr", "0.01");
        Assert.Equal(2, again.Code);
        Assert.Contains("already holds a finished run", again.Err);
        Assert.Contains($"engine train --resume {run} --epochs N", again.Err);

        // --resume without more epochs: nothing to do, said so.
        var same = CliRunner.Run("train", "--resume", run);
        Assert.Equal(2, same.Code);
        Assert.Contains("finished run of 1 epochs", same.Err);
        before.AssertUnchanged();
    }

    [Fact]
    public void AnInterruptedRunContinuesOnlyThroughResumeAndKeepsItsSettings()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        Assert.Equal(0, Train(run, "--epochs", "2").Code);
        Interrupt(run);
        var before = FolderSnapshot.Take(run);

        // The probe of the issue: a plain train into it, with other settings and fewer epochs.
        var plain = Train(run, "--epochs", "1", "--lr", "0.5");
        Assert.Equal(2, plain.Code);
        Assert.Contains("holds an interrupted run", plain.Err);
        Assert.Contains("--resume", plain.Err);

        var otherSettings = CliRunner.Run("train", "--resume", run, "--lr", "0.5");
        Assert.Equal(2, otherSettings.Code);
        Assert.Contains("only --epochs and --device may be given", otherSettings.Err);

        var fewer = CliRunner.Run("train", "--resume", run, "--epochs", "1");
        Assert.Equal(2, fewer.Code);
        Assert.Contains("has already trained 2 epochs", fewer.Err);
        before.AssertUnchanged();
    }

    [Fact]
    public void ResumeOfAFolderThatIsNotARunIsRefused()
    {
        var dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, "a.txt"), "x");
        var before = FolderSnapshot.Take(dir);
        var (code, _, err) = CliRunner.Run("train", "--resume", dir);
        Assert.Equal(2, code);
        Assert.Contains("is not an Engine run folder", err);
        before.AssertUnchanged(ignoreLock: false);
    }

    [Fact]
    public void AMarkerFromANewerEngineIsRefused()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        Assert.Equal(0, Train(run, "--epochs", "1").Code);
        var markerPath = Path.Combine(run, RunMarker.FileName);
        File.WriteAllText(markerPath, File.ReadAllText(markerPath).Replace("\"version\": 1", "\"version\": 99"));
        var before = FolderSnapshot.Take(run);
        var (code, _, err) = CliRunner.Run("train", "--resume", run, "--epochs", "2");
        Assert.Equal(2, code);
        Assert.Contains("format version 99", err);
        before.AssertUnchanged();
    }

    /// <summary>Makes a finished run look like one killed after its last epoch's backup (the state
    /// file moved back into backup/, as it was before training ended).</summary>
    internal static void Interrupt(string run)
    {
        Directory.CreateDirectory(Path.Combine(run, RunFolder.BackupFolder));
        File.Move(Path.Combine(run, RunFolder.StateFile), RunFolder.BackupPath(run));
    }
}
