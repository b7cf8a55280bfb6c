using System.Diagnostics;
using System.Globalization;
using Engine.Tensors;

/// <summary>Entry point the runtime calls before Main when DOTNET_STARTUP_HOOKS names this assembly
/// (the type must be called StartupHook, outside any namespace). SOAK_PROBE_OUT is the TSV to write;
/// SOAK_RUN_DIR the run folder, whose history.csv rows tell which epoch each sample fell in.</summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var output = Environment.GetEnvironmentVariable("SOAK_PROBE_OUT");
        if (string.IsNullOrEmpty(output)) return;
        var thread = new Thread(() => Probe.Run(output, Environment.GetEnvironmentVariable("SOAK_RUN_DIR")))
        {
            IsBackground = true,
            Name = "soak probe",
        };
        thread.Start();
    }
}

/// <summary>One row a second until the process exits. Each row is flushed, so a killed run keeps its samples.</summary>
internal static class Probe
{
    private static readonly string[] Columns =
    [
        "t_ms", "epochs_done",
        "rss_kib", "rss_anon_kib", "rss_file_kib", "threads",
        "gc_heap_kib", "gc_committed_kib", "gc_fragmented_kib", "gen0_kib", "gen1_kib", "gen2_kib", "loh_kib", "poh_kib",
        "gc_index", "gc0", "gc1", "gc2", "gc_pause_pct", "allocated_kib",
        "pool_rented", "pool_reused", "pool_returned", "pool_dropped", "pool_arrays", "pool_kib",
        "jit_methods", "jit_il_kib", "jit_ms",
        "native_kib",
    ];

    public static void Run(string output, string? runDir)
    {
        var clock = Stopwatch.StartNew();
        using var writer = new StreamWriter(output) { AutoFlush = true };
        writer.WriteLine(string.Join('\t', Columns));
        while (true)
        {
            writer.WriteLine(string.Join('\t', Sample(clock.ElapsedMilliseconds, runDir).Select(v => v.ToString(CultureInfo.InvariantCulture))));
            Thread.Sleep(1000);
        }
    }

    private static long[] Sample(long ms, string? runDir)
    {
        var status = ProcStatus();
        var gc = GC.GetGCMemoryInfo(GCKind.Any); // as of the last collection
        long Gen(int i) => gc.GenerationInfo.Length > i ? gc.GenerationInfo[i].SizeAfterBytes >> 10 : -1;
        var pool = CpuArrayPool.Shared.Statistics;
        var rss = status.GetValueOrDefault("VmRSS");
        var committed = gc.TotalCommittedBytes >> 10;
        return
        [
            ms, EpochsDone(runDir),
            rss, status.GetValueOrDefault("RssAnon"), status.GetValueOrDefault("RssFile"), status.GetValueOrDefault("Threads"),
            gc.HeapSizeBytes >> 10, committed, gc.FragmentedBytes >> 10, Gen(0), Gen(1), Gen(2), Gen(3), Gen(4),
            gc.Index, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), (long)(gc.PauseTimePercentage * 100),
            GC.GetTotalAllocatedBytes() >> 10,
            pool.Rented, pool.Reused, pool.Returned, pool.Dropped, pool.PooledArrays, pool.PooledBytes >> 10,
            System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompiledILBytes() >> 10,
            (long)System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
            rss - committed, // what the GC heap does not explain: runtime, JIT code, native libraries, thread stacks
        ];
    }

    /// <summary>The kB fields (and Threads) of /proc/self/status.</summary>
    private static Dictionary<string, long> ProcStatus()
    {
        var fields = new Dictionary<string, long>();
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var value = line[(colon + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal)) value = value[..^3];
            if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) fields[line[..colon]] = n;
        }
        return fields;
    }

    /// <summary>Rows of the run's history.csv minus its header: the epochs finished so far (-1 without a run folder).</summary>
    private static long EpochsDone(string? runDir)
    {
        if (runDir is null) return -1;
        var path = Path.Combine(runDir, "history.csv");
        try
        {
            return Math.Max(0, File.ReadLines(path).Count() - 1);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
