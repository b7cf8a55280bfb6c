namespace Engine.Backends.Cpu;

/// <summary>Cache block sizes of <see cref="CpuGemm"/>: MC rows of A and KC steps of k per packed A
/// block (kept in L2), KC×NC per packed B block (L2/L3). Tests pass tiny blocks to run every loop
/// edge on small matrices.</summary>
internal readonly record struct GemmBlocking(int MC, int KC, int NC)
{
    /// <summary>Tuned on a 2-core Zen 4 (32 KiB L1d, 1 MiB L2): a long KC amortizes loading and storing
    /// the C tile; an MC·KC block of A (192 KiB) sits in L2. Multiples of every kernel's MR and NR.</summary>
    public static GemmBlocking Default { get; } = new(MC: 96, KC: 512, NC: 1024);
}
