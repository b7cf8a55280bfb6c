using System.Diagnostics;
using Google.Protobuf;
using Engine.Onnx.Tests.Support;

namespace Engine.Onnx.Tests.Import;

/// <summary>Damaged files: every truncation of a small exported model and thousands of random byte
/// flips must each either import or fail with an <see cref="OnnxImportException"/> — never another
/// exception, never a hang (each attempt is timed).</summary>
public sealed class ImportFuzzTests
{
    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(5);

    private static byte[] SmallModel() => ExportCases.All["two_heads"]().ToOnnx().ToByteArray();

    [Fact]
    public void EveryTruncationFailsCleanly()
    {
        var bytes = SmallModel();
        var imported = 0;
        for (var length = 0; length < bytes.Length; length++)
            if (Attempt(bytes.AsSpan(0, length).ToArray(), $"truncated to {length} of {bytes.Length} bytes")) imported++;
        // A prefix can be a valid model only by ending exactly between fields; the whole file is needed for the weights.
        Assert.True(imported < bytes.Length / 100, $"{imported} truncations imported");
    }

    [Fact]
    public void RandomByteFlipsFailCleanly()
    {
        var original = SmallModel();
        var rng = new Random(1234);
        for (var trial = 0; trial < 4000; trial++)
        {
            var bytes = (byte[])original.Clone();
            var flips = 1 + rng.Next(4);
            for (var f = 0; f < flips; f++) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            Attempt(bytes, $"trial {trial}");
        }
    }

    /// <summary>True when the bytes imported; false after a clean refusal; fails the test otherwise.</summary>
    private static bool Attempt(byte[] bytes, string what)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var model = OnnxModel.Load(bytes);
            return true;
        }
        catch (OnnxImportException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{what}: empty message");
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} instead of OnnxImportException: {e.Message}\n{e.StackTrace}");
            return false;
        }
        finally
        {
            Assert.True(watch.Elapsed < Slowest, $"{what}: took {watch.Elapsed.TotalSeconds:F1} s");
        }
    }
}
