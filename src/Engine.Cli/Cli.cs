using System.CommandLine;
using System.CommandLine.Help;
using Engine.Cli.Commands;
using Engine.Data;
using Engine.Serialization;

namespace Engine.Cli;

/// <summary>The `engine` command line. Exit codes: 0 success, 1 internal error (one line; the stack
/// trace goes to the run folder's engine.log), 2 anything the user can change (bad arguments, missing
/// or unusable paths and data, a full disk, a diverged run), 130 interrupted by Ctrl-C / SIGTERM.</summary>
public static class Cli
{
    public const int Ok = 0, Failure = 1, Usage = 2, Interrupted = 130;

    /// <summary>The real process (signals are caught, the resume hint names the command) rather than a test calling <see cref="Run"/>.</summary>
    internal static bool IsMainProcess { get; set; }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var console = new CliConsole(stdout, stderr);
        // A named top-level command (not RootCommand, which takes the assembly's name) so help says "engine".
        var root = new Command("engine", "Engine: train and use CNN image classifiers (CPU or CUDA GPU).")
        {
            new HelpOption(),
            new VersionOption(),
            TrainCommand.Create(console),
            EvaluateCommand.Create(console),
            PredictCommand.Create(console),
            SummaryCommand.Create(console),
            InfoCommand.Create(console),
            ExportCommand.Create(console),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine("Run 'engine --help' (or 'engine <command> --help') for usage.");
            return Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUsersProblem(e))
        {
            stderr.WriteLine($"error: {e.Message}");
            return Usage;
        }
        catch (Exception e)
        {
            // The last net: a bug, not the user's doing. One line here, the trace in a log file.
            var log = InternalErrorLog.Write(console.LogDirectory, args, e);
            stderr.WriteLine($"error: internal error ({e.GetType().Name}: {FirstLine(e.Message)}); the details are in {log}. Please report it with that file.");
            return Failure;
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>Errors that come from the user's input rather than from a bug.</summary>
    private static bool IsUsersProblem(Exception e) => e is UsageException or DataValidationException or CheckpointFormatException
        or FileNotFoundException or DirectoryNotFoundException or ArgumentException;
}
