using System.Diagnostics;

namespace Engine.Benchmarks;

/// <summary>`conv-ab`: ConvSmallPlaneBenchmarks' methods timed interleaved in one process (round r runs every
/// method once, starting from a rotating one), so that load from other processes falls on all of them
/// alike; prints per method the median and minimum ms per call and the median's ratio to ForwardBefore
/// (forward methods) or InputGradCol (input-gradient methods). Options: --rounds N (default 15),
/// --shapes A,B (default all).</summary>
internal static class ConvSmallPlaneAb
{
    public static int Run(string[] args)
    {
        var rounds = 15;
        var shapes = Enum.GetValues<ConvSmallPlaneBenchmarks.Layer>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
            else if (args[i] == "--shapes") shapes = args[++i].Split(',').Select(Enum.Parse<ConvSmallPlaneBenchmarks.Layer>).ToArray();
            else throw new ArgumentException($"conv-ab: unknown option '{args[i]}'; expected --rounds N or --shapes A,B.");
        }
        Console.WriteLine($"conv-ab rounds {rounds}, load average {File.ReadAllText("/proc/loadavg").Trim()}, {DateTime.UtcNow:u}");
        Console.WriteLine("| shape | method | median ms | min ms | median ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var shape in shapes)
        {
            var b = new ConvSmallPlaneBenchmarks { Shape = shape };
            b.Setup();
            (string Name, Action Call)[] methods =
            [
                ("ForwardBefore", b.ForwardBefore), ("ForwardAfter", b.ForwardAfter), ("ForwardGeneralPacker", b.ForwardGeneralPacker), ("ForwardExplicit", b.ForwardExplicit), ("InputGradCol", b.InputGradCol),
                ("InputGradTransposedOldSplit", b.InputGradTransposedOldSplit), ("InputGradTransposed", b.InputGradTransposed),
            ];
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
            {
                var baseline = i < 4 ? medians[0] : medians[4];
                Console.WriteLine($"| {shape} | {methods[i].Name} | {medians[i]:F3} | {times[i].Min():F3} | {medians[i] / baseline:F2} |");
            }
            b.Cleanup();
        }
        return 0;
    }
}
