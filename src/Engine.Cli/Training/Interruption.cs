using System.Runtime.InteropServices;
using Engine.Callbacks;

namespace Engine.Cli.Training;

/// <summary>Ctrl-C (SIGINT) and SIGTERM during training: the current batch finishes, then training
/// stops without touching the backup, which holds the state after the last finished epoch, so the
/// folder resumes bitwise (the partial epoch is trained again). A second signal is not caught and
/// ends the process at once.</summary>
internal sealed class Interruption : Callback, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private volatile string? _signal;

    /// <summary>Catches the signals only when <paramref name="catchSignals"/> (the real command line);
    /// tests request the stop through <see cref="Request"/>.</summary>
    public Interruption(bool catchSignals)
    {
        if (!catchSignals) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                if (_signal is not null) return; // the second signal: default handling, the process ends
                context.Cancel = true;
                Request(context.Signal == PosixSignal.SIGINT ? "Ctrl-C" : "SIGTERM");
            }));
    }

    /// <summary>Which signal asked to stop (null while none has).</summary>
    public string? Signal => _signal;

    public void Request(string what) => _signal ??= what;

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (_signal is not null) throw new TrainingInterruptedException(_signal, batch);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }
}

/// <summary>Leaves Fit after the batch during which a stop was requested, before any epoch-end
/// callback could save the partial epoch.</summary>
internal sealed class TrainingInterruptedException(string signal, int batch)
    : Exception($"{signal} during training (after batch {batch + 1} of the epoch)")
{
    public string Signal { get; } = signal;
}
