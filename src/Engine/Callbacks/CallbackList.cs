using Engine.Models;

namespace Engine.Callbacks;

/// <summary>Runs Fit's callbacks in order: the progress display first, the user's callbacks, the
/// History last, and those that must see everyone's state (BackupAndRestore) after all of them.</summary>
internal sealed class CallbackList(IEnumerable<Callback> callbacks)
{
    private readonly List<Callback> _all = callbacks.Where(c => !c.RunsLast).Concat(callbacks.Where(c => c.RunsLast)).ToList();

    public IReadOnlyList<Callback> All => _all;

    /// <summary>Whether some callback overrides OnTrainBatchEnd; when none does, Fit skips making the
    /// batch's lazy logs (the base method ignores them), so a plain Fit step allocates nothing.</summary>
    public bool WantsBatchEnd { get; } = callbacks.Any(OverridesBatchEnd);

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075",
        Justification = "OnTrainBatchEnd is called virtually on every callback, so the trimmer keeps each override; a method it cannot find counts as overridden.")]
    private static bool OverridesBatchEnd(Callback c) =>
        c.GetType().GetMethod(nameof(Callback.OnTrainBatchEnd), [typeof(int), typeof(IReadOnlyDictionary<string, double>)])?.DeclaringType != typeof(Callback);

    public void Attach(Model model, FitParams p, TextWriter output)
    {
        foreach (var c in _all) c.Attach(model, p, output, _all);
    }

    public void OnTrainBegin()
    {
        foreach (var c in _all) c.OnTrainBegin();
    }

    public void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        foreach (var c in _all) c.OnTrainEnd(logs);
    }

    public void OnEpochBegin(int epoch)
    {
        foreach (var c in _all) c.OnEpochBegin(epoch);
    }

    public void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        foreach (var c in _all) c.OnEpochEnd(epoch, logs);
    }

    public void OnTrainBatchBegin(int batch)
    {
        foreach (var c in _all) c.OnTrainBatchBegin(batch);
    }

    public void OnInterrupted()
    {
        foreach (var c in _all) c.OnInterrupted();
    }

    public void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        foreach (var c in _all) c.OnTrainBatchEnd(batch, logs);
    }
}
