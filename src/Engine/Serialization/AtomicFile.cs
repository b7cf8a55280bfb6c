using System.Text;

namespace Engine.Serialization;

/// <summary>Replaces a file so that readers (and a crash at any moment) see either the complete old
/// file or the complete new one, never a partial write: the content goes to a temporary file in the
/// same directory, is flushed to disk, then renamed over the target (an atomic rename on one file
/// system). If writing fails the old file is untouched and the temporary file is removed.</summary>
public static class AtomicFile
{
    /// <summary>Test seam: wraps the stream of every write (given the target path), so tests can make a
    /// write fail part-way as a full disk does. Null in normal use.</summary>
    internal static Func<string, Stream, Stream>? StreamWrapper { get; set; }

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, which receives a
    /// writable stream (do not dispose it). The directory must exist.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory part.", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot write '{full}': the directory '{directory}' does not exist.");
        // A hidden name in the same directory: the rename then never crosses file systems.
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(StreamWrapper?.Invoke(full, stream) ?? stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, s => s.Write(bytes.Span));

    /// <summary>Writes text as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
