namespace Engine.Callbacks;

/// <summary>Stops training as soon as the loss becomes NaN or infinite (Keras's TerminateOnNaN).
/// It reads the running loss after every step, which waits for the device each time.</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The step (within its epoch) at which the loss was found invalid, if it was.</summary>
    public int? TerminatedAtBatch { get; private set; }

    public override void OnTrainBegin() => TerminatedAtBatch = null;

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.TryGetValue("loss", out var loss) || double.IsFinite(loss)) return;
        Output.WriteLine($"Batch {batch}: Invalid loss, terminating training");
        TerminatedAtBatch = batch;
        RequireModel().StopTraining = true;
    }
}
