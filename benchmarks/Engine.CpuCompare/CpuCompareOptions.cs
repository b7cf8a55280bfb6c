namespace Engine.CpuCompare;

internal sealed record CpuCompareOptions(IReadOnlyList<Workload> Workloads, int Blocks, int Steps, int Warmup, int Threads, string? Only, bool Check)
{
    public static CpuCompareOptions Parse(IReadOnlyList<string> args)
    {
        var o = new CpuCompareOptions(Workload.Default, Blocks: 7, Steps: 10, Warmup: 5, Threads: 2, Only: null, Check: false);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Positive(string name)
            {
                var text = Value();
                return int.TryParse(text, out var v) && v > 0 ? v : throw new ArgumentException($"{name} expects a positive integer; received '{text}'.");
            }
            o = args[i] switch
            {
                "--workloads" => o with { Workloads = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Workload.Parse).Distinct().ToArray() },
                "--blocks" => o with { Blocks = Positive("--blocks") },
                "--steps" => o with { Steps = Positive("--steps") },
                "--warmup" => o with { Warmup = Positive("--warmup") },
                "--threads" => o with { Threads = Positive("--threads") },
                "--only" => o with { Only = Value() is "engine" or "torch" ? args[i] : throw new ArgumentException($"--only expects engine or torch; received '{args[i]}'.") },
                "--check" => o with { Check = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}'."),
            };
        }
        return o;
    }
}
