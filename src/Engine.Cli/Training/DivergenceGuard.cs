using Engine.Callbacks;

namespace Engine.Cli.Training;

/// <summary>Stops training when the epoch's loss is NaN or infinite (the learning rate is usually too
/// high). It runs before ModelCheckpoint and EarlyStopping and hides the monitored value of that
/// epoch from them (NaN never counts as an improvement), so the kept checkpoint stays the best finite
/// one; <see cref="Unhide"/>, placed after them, puts the real value back for history.csv. Checking
/// once per epoch costs no device synchronisation.</summary>
internal sealed class DivergenceGuard(string monitor) : Callback
{
    private double? _hidden;

    public string MonitorName { get; } = monitor;


    /// <summary>The 0-based epoch whose loss was not finite, if any.</summary>
    public int? DivergedAtEpoch { get; private set; }

    public double LastLoss { get; private set; }

    public override void OnTrainBegin() => DivergedAtEpoch = null;

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        if (!logs.TryGetValue("loss", out var loss) || double.IsFinite(loss)) return;
        DivergedAtEpoch = epoch;
        LastLoss = loss;
        if (logs.TryGetValue(MonitorName, out var value)) _hidden = value;
        logs[MonitorName] = double.NaN;
        RequireModel().StopTraining = true;
    }

    /// <summary>The callback that restores the hidden value (goes after the checkpoint callbacks).</summary>
    public Callback Unhide => _unhide ??= new Restorer(this);

    private Callback? _unhide;

    private sealed class Restorer(DivergenceGuard guard) : Callback
    {
        public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
        {
            if (guard._hidden is { } v) logs[guard.MonitorName] = v;
            guard._hidden = null;
        }
    }
}
