namespace Engine.Samples;

/// <summary>The budget of a sample run. Each sample has its own defaults for a real run and a smaller
/// set for <see cref="Reduced"/> (the test suite); Epochs / TrainCount / TestCount override both.</summary>
public sealed record SampleOptions
{
    /// <summary>Use the small budget the tests run on (seconds on 2 CPU cores).</summary>
    public bool Reduced { get; init; }

    public int? Epochs { get; init; }

    /// <summary>Training images (or generated samples).</summary>
    public int? TrainCount { get; init; }

    /// <summary>Held-out images (or generated samples).</summary>
    public int? TestCount { get; init; }

    /// <summary>Fit's progress: 0 silent, 1 progress bar, 2 one line per epoch.</summary>
    public int Verbose { get; init; } = 2;

    public static SampleOptions ForTests => new() { Reduced = true, Verbose = 0 };

    public int EpochsOr(int full, int reduced) => Epochs ?? (Reduced ? reduced : full);

    public int TrainCountOr(int full, int reduced) => TrainCount ?? (Reduced ? reduced : full);

    public int TestCountOr(int full, int reduced) => TestCount ?? (Reduced ? reduced : full);
}
