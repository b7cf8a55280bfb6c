namespace Engine.Cli.Tests;

/// <summary>Runs the `engine` command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A fresh folder for one test. All of a test process's folders share one root that is removed
    /// when the process exits: the run folders, checkpoints and datasets the tests write used to stay in
    /// the temp folder and filled a developer's disk (25 GB after a few days of suite runs).</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(ProcessRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static readonly Lazy<string> ProcessRoot = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "engine-cli-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveQuietly(root);
        return root;
    });

    // Cleanup must never fail a test run; a folder a test still holds open is left for the OS's temp cleaning.
    private static void RemoveQuietly(string root)
    {
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
