using Engine.Cli.RunFolders;
using Engine.Cli.Tests.Support;
using Engine.Serialization;

namespace Engine.Cli.Tests;

/// <summary>Write failures injected through the atomic writer's test seam (one class, so its tests
/// never overlap with each other on the shared seam; the seam only fails paths under the test's
/// own run folder, so other tests running at the same time are not affected).</summary>
public class WriteFaultTests
{
    /// <summary>A stream that accepts <paramref name="room"/> bytes and then fails as a full disk does.</summary>
    private sealed class FullDisk(Stream inner, int room) : Stream
    {
        private int _left = room;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > _left)
            {
                inner.Write(buffer[.._left]);
                _left = 0;
                throw new IOException("No space left on device : '" + (inner as FileStream)?.Name + "'", 28);
            }
            inner.Write(buffer);
            _left -= buffer.Length;
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public void DiskFullDuringACheckpointKeepsThePreviousFilesAndResumesToTheSameBits()
    {
        var root = CliRunner.TempDir();
        var straight = Path.Combine(root, "straight");
        var run = Path.Combine(root, "run");
        Assert.Equal(0, RunFolderOwnershipTests.Train(straight, "--epochs", "3").Code);

        // Epoch 1 writes model.safetensors and the backup; the next checkpoint write finds the disk full.
        var checkpointsWritten = 0;
        byte[]? modelBefore = null, backupBefore = null;
        AtomicFile.StreamWrapper = (path, s) =>
        {
            if (!path.StartsWith(run, StringComparison.Ordinal) || !path.EndsWith(".safetensors", StringComparison.Ordinal)) return s;
            if (++checkpointsWritten <= 2) return s;
            modelBefore ??= File.ReadAllBytes(Path.Combine(run, RunFolder.ModelFile));
            backupBefore ??= File.ReadAllBytes(RunFolder.BackupPath(run));
            return new FullDisk(s, room: 1000);
        };
        (int Code, string Out, string Err) full;
        try
        {
            full = RunFolderOwnershipTests.Train(run, "--epochs", "3");
        }
        finally
        {
            AtomicFile.StreamWrapper = null;
        }

        Assert.Equal(2, full.Code);
        Assert.Contains("No space left on device", full.Err);
        Assert.Contains("are intact", full.Err);
        Assert.Contains($"engine train --resume {run}", full.Err);
        Assert.DoesNotContain("   at ", full.Err);
        Assert.NotNull(modelBefore);
        Assert.Equal(modelBefore, File.ReadAllBytes(Path.Combine(run, RunFolder.ModelFile)));
        Assert.Equal(backupBefore, File.ReadAllBytes(RunFolder.BackupPath(run)));
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories));

        // Space is back: the run resumes and ends bitwise where an undisturbed run ends.
        var resumed = CliRunner.Run("train", "--resume", run);
        Assert.True(resumed.Code == 0, resumed.Err);
        ResumeTests.AssertSameTraining(straight, run);
    }

    [Fact]
    public void AnInternalErrorIsOneLineWithTheTraceInALog()
    {
        // A fault the user cannot cause, made through the atomic writer's test seam: an exception that is
        // not an I/O problem while the run folder's summary is written.
        var run = Path.Combine(CliRunner.TempDir(), "run");
        AtomicFile.StreamWrapper = (path, s) => path.StartsWith(run, StringComparison.Ordinal) && path.EndsWith(RunFolder.SummaryFile, StringComparison.Ordinal)
            ? throw new InvalidOperationException("simulated bug\nsecond line") : s;
        try
        {
            var (code, _, err) = RunFolderOwnershipTests.Train(run, "--epochs", "1");
            Assert.Equal(1, code);
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains("internal error (InvalidOperationException: simulated bug)", err);
            var log = Path.Combine(run, RunFolder.LogFile);
            Assert.Contains(log, err);
            Assert.Contains("   at ", File.ReadAllText(log));
        }
        finally
        {
            AtomicFile.StreamWrapper = null;
        }
    }
}
