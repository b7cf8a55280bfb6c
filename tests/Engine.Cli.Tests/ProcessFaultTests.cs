using System.Diagnostics;
using Engine.Cli.RunFolders;
using Engine.Cli.Tests.Support;
using Engine.Models;

namespace Engine.Cli.Tests;

/// <summary>The CLI as separate processes: the run lock against a second process, Ctrl-C / SIGTERM,
/// and kill -9 at seeded random moments followed by --resume, each ending bitwise where an
/// uninterrupted run ends.</summary>
public class ProcessFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public void ASecondProcessIsRefusedWithTheHoldersPid()
    {
        var run = Path.Combine(CliRunner.TempDir(), "run");
        using var first = CliProcess.Start("train", "--limit", "200", "--batch-size", "16", "--epochs", "500", "--device", "cpu", "--output", run);
        try
        {
            var holder = Path.Combine(run, RunLock.HolderName);
            _ = first.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken); // keep the pipe drained
            _ = first.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            Assert.True(CliProcess.WaitFor(first, () => File.Exists(Path.Combine(run, RunMarker.FileName)), Patience), "the first training did not start");

            var resume = CliProcess.Run(Patience, "train", "--resume", run);
            output.WriteLine(resume.Err);
            Assert.Equal(2, resume.Code);
            Assert.Contains($"process {first.Id} is training into it", resume.Err);

            var plain = CliProcess.Run(Patience, "train", "--limit", "100", "--device", "cpu", "--output", run);
            Assert.Equal(2, plain.Code);
            Assert.Contains($"process {first.Id}", plain.Err);
            Assert.True(File.Exists(holder));
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
        // The OS released the lock with the killed process: no stale lock to clean up.
        var after = CliRunner.Run("train", "--resume", run, "--epochs", "1");
        Assert.DoesNotContain("in use", after.Err);
    }

    [Theory]
    [InlineData("INT", 2, "Ctrl-C")]
    [InlineData("TERM", 15, "SIGTERM")]
    public async Task ASignalFinishesTheBatchPrintsTheResumeCommandAndExits130(string signal, int number, string name)
    {
        if (CliProcess.IgnoredHere(number))
            Assert.Skip($"SIG{signal} is ignored in this test process (started as a background job?), so the engine process inherits that and cannot receive it; run the tests in the foreground.");
        var cancel = TestContext.Current.CancellationToken;
        var root = CliRunner.TempDir();
        // Many short epochs: the signal (sent once epoch 1's backup exists) lands long before the end even on a loaded machine.
        string[] settings = ["--limit", "64", "--batch-size", "16", "--epochs", "40", "--device", "cpu"];
        var straight = Path.Combine(root, "straight");
        Assert.Equal(0, CliRunner.Run(["train", .. settings, "--output", straight]).Code);

        var run = Path.Combine(root, "run");
        using (var p = CliProcess.Start(["train", .. settings, "--output", run]))
        {
            var stdout = p.StandardOutput.ReadToEndAsync(cancel);
            var stderr = p.StandardError.ReadToEndAsync(cancel);
            Assert.True(CliProcess.WaitFor(p, () => File.Exists(RunFolder.BackupPath(run)), Patience), "no backup was written");
            CliProcess.Signal(p, signal);
            await p.WaitForExitAsync(cancel);
            var err = await stderr;
            output.WriteLine(await stdout + err);
            Assert.Equal(130, p.ExitCode);
            Assert.Contains($"Interrupted by {name}: stopped after batch ", err);
            Assert.Contains($"engine train --resume {run}", err);
            Assert.DoesNotContain("   at ", err);
        }
        Assert.Equal(RunFolderState.Interrupted, RunFolder.Inspect(run));
        // The backup was written when the signal stopped training: mid-epoch, after at least one batch of it.
        int epoch, batch;
        using (var backup = Model.Load(RunFolder.BackupPath(run), compile: false))
        {
            Assert.NotNull(backup.ResumeProgress);
            (epoch, batch) = (backup.Epoch, backup.ResumeProgress.NextBatch);
        }
        Assert.True(batch >= 1, $"the backup is at batch {batch} of epoch {epoch + 1}");
        // Fewer epochs than the one it stopped in are refused before anything is written.
        var before = FolderSnapshot.Take(run);
        var early = CliRunner.Run("train", "--resume", run, "--epochs", $"{epoch}");
        Assert.Equal(2, early.Code);
        Assert.Contains($"was interrupted after batch {batch} of epoch {epoch + 1}; --epochs {epoch} would end before that epoch", early.Err);
        before.AssertUnchanged();

        var resumed = CliRunner.Run("train", "--resume", run);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains($"in epoch {epoch + 1}, after batch {batch}.", resumed.Out);
        ResumeTests.AssertSameTraining(straight, run);
    }

    [Fact]
    public async Task KillNineAtTwentySeededRandomMomentsThenResumeEndsBitwiseLikeOneRun()
    {
        const int kills = 20;
        var root = CliRunner.TempDir();
        string[] settings = ["--limit", "96", "--batch-size", "16", "--epochs", "30", "--device", "cpu"];
        var straight = Path.Combine(root, "straight");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, CliRunner.Run(["train", .. settings, "--output", straight]).Code);
        // Kill moments are drawn within the length of one uninterrupted run on this machine, so they land
        // during training on a fast machine as on a slow one.
        var longest = Math.Max(200, (int)(clock.ElapsedMilliseconds * 0.9));

        // A chain of killed and resumed processes trains one folder; when a chain reaches the end before
        // enough kills have landed, it is checked and the next chain starts in a new folder.
        var chains = 0;
        var run = Path.Combine(root, $"run{chains}");
        var random = new Random(1717);
        var landed = 0;
        for (var attempt = 0; landed < kills && attempt < 6 * kills; attempt++)
        {
            var state = RunFolder.Inspect(run);
            if (state == RunFolderState.Finished)
            {
                AssertChainEndedLikeOneRun(straight, run);
                run = Path.Combine(root, $"run{++chains}");
                state = RunFolder.Inspect(run);
            }
            string[] args = state is RunFolderState.Missing or RunFolderState.Empty ? ["train", .. settings, "--output", run] : ["train", "--resume", run];
            using var p = CliProcess.Start(args);
            _ = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var err = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var moment = TimeSpan.FromMilliseconds(random.Next(100, longest));
            if (!p.WaitForExit(moment))
            {
                p.Kill(); // SIGKILL
                p.WaitForExit();
                landed++;
                output.WriteLine($"kill {landed} at {moment.TotalMilliseconds} ms (chain {chains}): {RunFolder.Inspect(run)}, backup epoch {BackupEpoch(run)}");
            }
            else
            {
                var text = await err;
                Assert.True(p.ExitCode == 0, $"engine {string.Join(' ', args)} exited {p.ExitCode}: {text}");
            }
        }
        Assert.True(landed >= kills, $"only {landed} of {kills} kills landed on a running process");

        if (RunFolder.Inspect(run) != RunFolderState.Finished)
        {
            var last = CliRunner.Run(RunFolder.Inspect(run) is RunFolderState.Missing or RunFolderState.Empty
                ? ["train", .. settings, "--output", run] : ["train", "--resume", run]);
            Assert.True(last.Code == 0, last.Err);
        }
        AssertChainEndedLikeOneRun(straight, run);
    }

    private static void AssertChainEndedLikeOneRun(string straight, string run)
    {
        ResumeTests.AssertSameTraining(straight, run);
        // Nothing half-written is left once the run has been resumed to its end.
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories));
    }

    private static string BackupEpoch(string run)
    {
        var path = RunFolder.BackupPath(run);
        if (!File.Exists(path)) return "none";
        using var m = Models.Model.Load(path, compile: false);
        return m.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
