namespace Engine.Benchmarks;

/// <summary>Command-line options of `Engine.Benchmarks gpu-compare` (see <see cref="GpuCompare"/>).</summary>
internal sealed record GpuCompareOptions(
    bool Json, int Steps, int Warmup, int Epochs, string DataDirectory, bool Speed, bool Accuracy,
    string[] Workloads, bool OnCpu, string[] Modes)
{
    public const string Usage = """
        usage: Engine.Benchmarks gpu-compare [--json] [--steps N] [--warmup N] [--epochs E] [--data DIR]
                                             [--speed-only | --accuracy-only] [--workloads 28x28x1/b128,64x64x3/b256]
                                             [--modes loop,train_on_batch,fit,train_on_batch_graphs,fit_graphs] [--device cpu]
          Times the seed CNN's training step on cuda:0 (CUDA events around --steps steps after --warmup)
          in each mode (the _graphs modes replay the step as a CUDA graph),
          and trains it on Fashion-MNIST for --epochs epochs (test accuracy). Output: one JSON line per
          result with --json, else text. Exit 0 when done, 3 when CUDA is unavailable (nothing measured),
          2 on bad arguments. --device cpu runs the same code on the CPU (a smoke test, not a benchmark).
        """;

    public static GpuCompareOptions Parse(IReadOnlyList<string> args)
    {
        var o = new GpuCompareOptions(false, 200, 30, 5, "data/fashion-mnist", true, true, ["28x28x1/b128", "64x64x3/b256"], false, GpuCompare.Modes);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Count() => int.TryParse(Value(), out var n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} expects a positive integer; received '{args[i]}'.");
            o = args[i] switch
            {
                "--json" => o with { Json = true },
                "--steps" => o with { Steps = Count() },
                "--warmup" => o with { Warmup = Count() },
                "--epochs" => o with { Epochs = Count() },
                "--data" => o with { DataDirectory = Value() },
                "--speed-only" => o with { Accuracy = false },
                "--accuracy-only" => o with { Speed = false },
                "--workloads" => o with { Workloads = Value().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--modes" => o with { Modes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--device" => Value() switch
                {
                    "cpu" => o with { OnCpu = true },
                    "cuda" => o with { OnCpu = false },
                    var d => throw new ArgumentException($"--device expects cpu or cuda; received '{d}'."),
                },
                var a => throw new ArgumentException($"unknown option '{a}'."),
            };
        }
        foreach (var w in o.Workloads) GpuCompare.ParseWorkload(w);
        foreach (var m in o.Modes)
            if (!GpuCompare.Modes.Contains(m)) throw new ArgumentException($"unknown mode '{m}'; expected one of {string.Join(", ", GpuCompare.Modes)}.");
        return o;
    }
}
