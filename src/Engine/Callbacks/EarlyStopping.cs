using System.Text.Json.Nodes;
using Engine.Tensors;

namespace Engine.Callbacks;

/// <summary>Stops training when the monitored value has not improved by more than
/// <c>minDelta</c> for <c>patience</c> epochs (Keras's EarlyStopping). With
/// <c>restoreBestWeights</c> the weights of the best epoch (all of them, batch-norm statistics
/// included) are put back when it stops, as in Keras: if training runs to its last epoch without
/// stopping, the last weights stay.</summary>
public sealed class EarlyStopping : Callback, IDisposable
{
    private readonly Monitor _monitor;
    private Dictionary<string, Tensor>? _bestWeights;

    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, int verbose = 0, string mode = "auto",
        double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be >= 0.");
        _monitor = new Monitor(nameof(EarlyStopping), monitor, mode, minDelta);
        (Patience, Verbose, Baseline, RestoreBestWeights, StartFromEpoch) = (patience, verbose, baseline, restoreBestWeights, startFromEpoch);
    }

    public int Patience { get; }

    public int Verbose { get; }

    public double? Baseline { get; }

    public bool RestoreBestWeights { get; }

    public int StartFromEpoch { get; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    public double Best { get; private set; }

    /// <summary>0-based epoch of the best value.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>0-based epoch at which training was stopped (0 when it was not).</summary>
    public int StoppedEpoch { get; private set; }

    public override void OnTrainBegin()
    {
        Wait = 0;
        StoppedEpoch = 0;
        Best = _monitor.Worst;
        BestEpoch = 0;
        DisposeBest();
    }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        var model = RequireModel();
        if (epoch < StartFromEpoch) return;
        var current = _monitor.Read(logs);
        if (RestoreBestWeights && _bestWeights is null) _bestWeights = model.SnapshotWeights();
        Wait++;
        if (_monitor.IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights)
            {
                DisposeBest();
                _bestWeights = model.SnapshotWeights();
            }
            if (Baseline is null || _monitor.IsImprovement(current, Baseline.Value)) Wait = 0;
            return;
        }
        if (Wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            model.StopTraining = true;
            if (RestoreBestWeights && _bestWeights is not null)
            {
                if (Verbose > 0) Output.WriteLine($"Restoring model weights from the end of the best epoch: {BestEpoch + 1}.");
                model.SetWeights(_bestWeights);
            }
        }
    }

    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (StoppedEpoch > 0 && Verbose > 0) Output.WriteLine($"Epoch {StoppedEpoch + 1}: early stopping");
    }

    public override CallbackState GetState() => new(
        new JsonObject
        {
            ["wait"] = Wait, ["best"] = StateValues.Number(Best), ["best_epoch"] = BestEpoch, ["stopped_epoch"] = StoppedEpoch,
        },
        _bestWeights);

    public override void SetState(CallbackState state)
    {
        Wait = StateValues.Int(state, "wait");
        Best = StateValues.Double(state, "best");
        BestEpoch = StateValues.Int(state, "best_epoch");
        StoppedEpoch = StateValues.Int(state, "stopped_epoch");
        DisposeBest();
        if (state.Tensors is { Count: > 0 } t) _bestWeights = RequireModel().SnapshotOf(t);
    }

    private void DisposeBest()
    {
        if (_bestWeights is null) return;
        foreach (var t in _bestWeights.Values) t.Dispose();
        _bestWeights = null;
    }

    public void Dispose() => DisposeBest();
}
