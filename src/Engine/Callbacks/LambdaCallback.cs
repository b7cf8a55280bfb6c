namespace Engine.Callbacks;

/// <summary>A callback made of delegates (Keras's LambdaCallback):
/// <c>new LambdaCallback(onEpochEnd: (epoch, logs) =&gt; Console.WriteLine(logs["loss"]))</c>.</summary>
public sealed class LambdaCallback(
    Action<int>? onEpochBegin = null,
    Action<int, Dictionary<string, double>>? onEpochEnd = null,
    Action<int>? onBatchBegin = null,
    Action<int, IReadOnlyDictionary<string, double>>? onBatchEnd = null,
    Action? onTrainBegin = null,
    Action<IReadOnlyDictionary<string, double>>? onTrainEnd = null) : Callback
{
    public override void OnEpochBegin(int epoch) => onEpochBegin?.Invoke(epoch);

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs) => onEpochEnd?.Invoke(epoch, logs);

    public override void OnTrainBatchBegin(int batch) => onBatchBegin?.Invoke(batch);

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => onBatchEnd?.Invoke(batch, logs);

    public override void OnTrainBegin() => onTrainBegin?.Invoke();

    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs) => onTrainEnd?.Invoke(logs);
}
