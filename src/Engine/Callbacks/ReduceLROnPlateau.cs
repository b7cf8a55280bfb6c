using System.Text.Json.Nodes;

namespace Engine.Callbacks;

/// <summary>Multiplies the optimizer's learning rate by <c>factor</c> when the monitored value has
/// not improved for <c>patience</c> epochs, then waits <c>cooldown</c> epochs (Keras's
/// ReduceLROnPlateau). Adds "learning_rate" to the epoch logs.</summary>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly Monitor _monitor;
    private int _cooldownCounter;

    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0, string mode = "auto",
        double minDelta = 1e-4, int cooldown = 0, double minLr = 0)
    {
        if (!(factor < 1) || !(factor > 0))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau does not support a factor >= 1.0 (or <= 0).");
        _monitor = new Monitor(nameof(ReduceLROnPlateau), monitor, mode, minDelta);
        (Factor, Patience, Verbose, Cooldown, MinLr) = (factor, patience, verbose, cooldown, minLr);
        Best = _monitor.Worst;
    }

    public double Factor { get; }

    public int Patience { get; }

    public int Verbose { get; }

    public int Cooldown { get; }

    public double MinLr { get; }

    public int Wait { get; private set; }

    public double Best { get; private set; }

    public override void OnTrainBegin()
    {
        Best = _monitor.Worst;
        _cooldownCounter = 0;
        Wait = 0;
    }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        var optimizer = RequireModel().Optimizer ?? throw new InvalidOperationException("ReduceLROnPlateau needs a compiled model.");
        logs["learning_rate"] = optimizer.LearningRate;
        var current = _monitor.Read(logs);
        var inCooldown = _cooldownCounter > 0;
        if (inCooldown)
        {
            _cooldownCounter--;
            Wait = 0;
        }
        if (_monitor.IsImprovement(current, Best))
        {
            Best = current;
            Wait = 0;
        }
        else if (!inCooldown)
        {
            Wait++;
            if (Wait >= Patience)
            {
                var old = optimizer.LearningRate;
                if (old > MinLr)
                {
                    var lr = Math.Max(old * Factor, MinLr);
                    optimizer.LearningRate = lr;
                    if (Verbose > 0) Output.WriteLine(FormattableString.Invariant($"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {lr}."));
                    _cooldownCounter = Cooldown;
                    Wait = 0;
                }
            }
        }
    }

    public override CallbackState GetState() => new(new JsonObject
    {
        ["wait"] = Wait, ["best"] = StateValues.Number(Best), ["cooldown_counter"] = _cooldownCounter,
    });

    public override void SetState(CallbackState state)
    {
        Wait = StateValues.Int(state, "wait");
        Best = StateValues.Double(state, "best");
        _cooldownCounter = StateValues.Int(state, "cooldown_counter");
    }
}
