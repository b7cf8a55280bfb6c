using System.Globalization;
using Engine.Cli.RunFolders;

namespace Engine.Cli;

/// <summary>Writes the full report of an internal error (command line, exception with stack trace)
/// to the run folder's engine.log, or to a file in the temp folder when there is no run folder.</summary>
internal static class InternalErrorLog
{
    public static string Write(string? runDir, string[] args, Exception e)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z engine {string.Join(' ', args)}\n{e}\n\n");
        foreach (var path in Candidates(runDir))
        {
            try
            {
                File.AppendAllText(path, text);
                return path;
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException)
            {
                // Try the next place; the one-line message still reaches the user.
            }
        }
        return "(no writable place for the log)";
    }

    private static IEnumerable<string> Candidates(string? runDir)
    {
        if (runDir is not null && Directory.Exists(runDir)) yield return Path.Combine(runDir, RunFolder.LogFile);
        yield return Path.Combine(Path.GetTempPath(), $"engine-error-{Environment.ProcessId}.log");
    }
}
