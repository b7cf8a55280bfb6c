using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Benchmarks;

/// <summary>`fwd-ab`: ConvForwardDxBenchmarks' methods timed interleaved in one process (round r runs every
/// method once, starting from a rotating one), so that load from other processes falls on all of them alike;
/// prints per method the median and minimum ms per call, GFLOP/s at the median, and the median's ratio to
/// the group's first method. Options: --rounds N (default 9), --shapes A,B (default all), --methods A,B
/// (default all), --threads N (CpuParallel.ThreadLimit; 1 is less sensitive to the other core's load).
/// With --threads 1 it also prints the calling thread's CPU ms per call (CLOCK_THREAD_CPUTIME_ID), which
/// time slicing by other processes does not inflate.</summary>
internal static partial class ConvForwardDxAb
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>This thread's CPU time in ms.</summary>
    private static double ThreadCpuMs()
    {
        ClockGetTime(3, out var t); // CLOCK_THREAD_CPUTIME_ID
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    public static int Run(string[] args)
    {
        var rounds = 9;
        var shapes = Enum.GetValues<ConvForwardDxBenchmarks.Layer>();
        string[]? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
            else if (args[i] == "--shapes") shapes = args[++i].Split(',').Select(Enum.Parse<ConvForwardDxBenchmarks.Layer>).ToArray();
            else if (args[i] == "--methods") only = args[++i].Split(',');
            else if (args[i] == "--threads") Engine.Backends.Cpu.CpuParallel.ThreadLimit = int.Parse(args[++i]);
            else throw new ArgumentException($"fwd-ab: unknown option '{args[i]}'; expected --rounds N, --shapes A,B, --methods A,B or --threads N.");
        }
        Console.WriteLine($"fwd-ab rounds {rounds}, threads {Engine.Backends.Cpu.CpuParallel.ThreadLimit}, load average {File.ReadAllText("/proc/loadavg").Trim()}, {DateTime.UtcNow:u}");
        Console.WriteLine("| shape | method | median ms | min ms | GFLOP/s | ratio | thread CPU ms (median) | CPU ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var shape in shapes)
        {
            var b = new ConvForwardDxBenchmarks { Shape = shape };
            b.Setup();
            var methods = typeof(ConvForwardDxBenchmarks).GetMethods()
                .Where(m => m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false).Length > 0)
                .Where(m => only is null || only.Contains(m.Name))
                .Select(m => (Name: m.Name, Call: (Action)Delegate.CreateDelegate(typeof(Action), b, m))).ToArray();
            foreach (var m in methods) { m.Call(); m.Call(); }
            var times = methods.Select(_ => new List<double>()).ToArray();
            var cpu = methods.Select(_ => new List<double>()).ToArray();
            for (var r = 0; r < rounds; r++)
                for (var i = 0; i < methods.Length; i++)
                {
                    var at = (i + r) % methods.Length;
                    var watch = Stopwatch.StartNew();
                    var cpu0 = ThreadCpuMs();
                    var calls = 0;
                    do { methods[at].Call(); calls++; } while (watch.Elapsed.TotalMilliseconds < 25);
                    times[at].Add(watch.Elapsed.TotalMilliseconds / calls);
                    cpu[at].Add((ThreadCpuMs() - cpu0) / calls);
                }
            var medians = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
            var cpuMedians = cpu.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
            var forwardBase = Array.FindIndex(methods, m => m.Name.StartsWith("Forward"));
            var gradBase = Array.FindIndex(methods, m => m.Name.StartsWith("InputGrad"));
            for (var i = 0; i < methods.Length; i++)
            {
                var at = methods[i].Name.StartsWith("Forward") ? forwardBase : gradBase;
                Console.WriteLine($"| {shape} | {methods[i].Name} | {medians[i]:F3} | {times[i].Min():F3} | {b.Flops / medians[i] / 1e6:F1} | {medians[i] / medians[at]:F2} | {cpuMedians[i]:F3} | {cpuMedians[i] / cpuMedians[at]:F2} |");
            }
            b.Cleanup();
        }
        return 0;
    }
}
