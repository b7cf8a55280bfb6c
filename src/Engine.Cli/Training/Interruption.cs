using System.Runtime.InteropServices;
using Engine.Callbacks;

namespace Engine.Cli.Training;

/// <summary>Ctrl-C (SIGINT) and SIGTERM during training: the current batch finishes, then Fit is left
/// through the library's <see cref="TrainingInterruptedException"/>, and BackupAndRestore writes a
/// mid-epoch backup on the way out, so `--resume` continues with the next batch and ends bitwise as
/// an uninterrupted run. A second signal is not caught and ends the process at once.</summary>
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
        if (_signal is not null) throw new TrainingInterruptedException(_signal);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }
}
