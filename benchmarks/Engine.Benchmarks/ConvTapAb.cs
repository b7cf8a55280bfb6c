using System.Diagnostics;

namespace Engine.Benchmarks;

/// <summary>`tap-ab`: ConvTapGemmBenchmarks' methods timed interleaved in one process (each round runs every
/// method for ≥ 20 ms, starting from a rotating one), so load from other processes falls on all alike; prints
/// per shape and method the median and minimum ms per call and the median's ratio to the pass's "Before".
/// Options: --rounds N (default 11), --shapes A,B (default all), --methods M,N (only these, for a profile).</summary>
internal static class ConvTapAb
{
    public static int Run(string[] args)
    {
        var rounds = 11;
        var shapes = Enum.GetValues<ConvTapGemmBenchmarks.Layer>();
        string[]? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
            else if (args[i] == "--shapes") shapes = args[++i].Split(',').Select(Enum.Parse<ConvTapGemmBenchmarks.Layer>).ToArray();
            else if (args[i] == "--methods") only = args[++i].Split(',');
            else throw new ArgumentException($"tap-ab: unknown option '{args[i]}'; expected --rounds N, --shapes A,B or --methods M,N (profiling).");
        }
        Console.WriteLine($"tap-ab rounds {rounds}, load average {File.ReadAllText("/proc/loadavg").Trim()}, {DateTime.UtcNow:u}");
        Console.WriteLine("| shape | method | median ms | min ms | median ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var shape in shapes)
        {
            var b = new ConvTapGemmBenchmarks { Shape = shape };
            b.Setup();
            (string Name, Action Call, int Baseline)[] methods =
            [
                ("ForwardBefore", b.ForwardBefore, 0), ("ForwardTaps", b.ForwardTaps, 0),
                ("InputGradBefore", b.InputGradBefore, 2), ("InputGradTaps", b.InputGradTaps, 2),
                ("WeightGradBefore", b.WeightGradBefore, 4), ("WeightGradTaps", b.WeightGradTaps, 4),
            ];
            if (only is not null) methods = methods.Where(m => only.Contains(m.Name)).Select(m => m with { Baseline = 0 }).ToArray();
            foreach (var m in methods) { m.Call(); m.Call(); }
            var times = methods.Select(_ => new List<double>()).ToArray();
            for (var r = 0; r < rounds; r++)
                for (var i = 0; i < methods.Length; i++)
                {
                    var at = (i + r) % methods.Length;
                    var watch = Stopwatch.StartNew();
                    var calls = 0;
                    do { methods[at].Call(); calls++; } while (watch.Elapsed.TotalMilliseconds < 20);
                    times[at].Add(watch.Elapsed.TotalMilliseconds / calls);
                }
            var medians = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
            for (var i = 0; i < methods.Length; i++)
                Console.WriteLine($"| {shape} | {methods[i].Name} | {medians[i]:F3} | {times[i].Min():F3} | {medians[i] / medians[methods[i].Baseline]:F2} |");
            b.Cleanup();
        }
        return 0;
    }
}
