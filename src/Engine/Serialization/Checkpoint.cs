namespace Engine.Serialization;

/// <summary>The layout of a checkpoint inside a model file (<see cref="ModelFile"/>): tensor name
/// prefixes and metadata keys. <see cref="CheckpointWriter"/> writes it, <see cref="CheckpointReader"/>
/// reads it back.</summary>
internal static class Checkpoint
{
    /// <summary>Every weight, by path: "weights/conv2d/kernel".</summary>
    public const string WeightPrefix = "weights/";

    /// <summary>The optimizer's state, by its own keys: "optimizer/…".</summary>
    public const string OptimizerPrefix = "optimizer/";

    /// <summary>Tensors of the i-th stateful callback: "callbacks/0/best/dense/kernel".</summary>
    public const string CallbackPrefix = "callbacks/";

    /// <summary>A mid-epoch backup's running loss and metric sums: "running/loss", "running/heads/0/metrics/1".</summary>
    public const string RunningPrefix = "running/";

    /// <summary>Metadata: the model config (JSON), the compile config (optimizer, heads), the training
    /// state (finished epochs, training random stream) and the callbacks' JSON states.</summary>
    public const string ModelConfigKey = "model_config", CompileConfigKey = "compile_config", TrainingStateKey = "training_state", CallbacksKey = "callbacks";
}
