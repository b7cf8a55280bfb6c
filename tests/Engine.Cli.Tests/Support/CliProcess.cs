using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Cli.Tests.Support;

/// <summary>Runs the `engine` command as a separate process (signals, kill -9, a second process
/// against a lock), from the Engine.Cli.dll built next to the tests.</summary>
internal static partial class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Engine.Cli.dll");

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the engine process");
    }

    /// <summary>Runs to the end (or kills it after <paramref name="timeout"/>) and returns what it printed.</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"engine {string.Join(' ', args)} did not finish in {timeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Sends a POSIX signal (INT, TERM, KILL) to a process, through libc's kill(2) (a minimal
    /// system may have no kill executable).</summary>
    public static void Signal(Process p, string signal)
    {
        var number = signal switch { "INT" => 2, "KILL" => 9, "TERM" => 15, _ => throw new ArgumentException($"unknown signal {signal}") };
        if (Kill(p.Id, number) != 0) throw new InvalidOperationException($"kill({p.Id}, SIG{signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>True when this process ignores the signal (SigIgn in /proc/self/status): a shell starts
    /// background jobs with SIGINT ignored, and a child inherits that, so no Ctrl-C can reach it.</summary>
    public static bool IgnoredHere(int signalNumber)
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (signalNumber - 1))) != 0;
    }

    /// <summary>Waits until <paramref name="condition"/> holds or the process ends; true if it held.</summary>
    public static bool WaitFor(Process p, Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            if (p.HasExited) return condition();
            Thread.Sleep(20);
        }
        return false;
    }
}
