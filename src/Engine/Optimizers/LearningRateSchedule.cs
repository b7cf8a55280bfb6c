namespace Engine.Optimizers;

/// <summary>A learning rate as a function of the step number (0 for the first step, as Keras counts
/// optimizer iterations) and the optimizer's base rate, which plays the role of Keras's
/// initial_learning_rate (so ReduceLROnPlateau, which lowers the base rate, scales the whole curve).</summary>
public abstract class LearningRateSchedule
{
    public abstract double At(long step, double baseRate);

    /// <summary>Keras-style config: {"class_name": ..., arguments...}; <see cref="FromConfig"/> reverses it.</summary>
    public abstract Dictionary<string, object?> GetConfig();

    /// <summary>Rebuilds a schedule from <see cref="GetConfig"/>'s dictionary (values may be numbers,
    /// booleans, null or System.Text.Json elements, as read back from a JSON file).</summary>
    public static LearningRateSchedule FromConfig(IReadOnlyDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = new ConfigReader(config, "learning rate schedule");
        var name = c.String("class_name");
        return name switch
        {
            nameof(StepDecay) => new StepDecay(checked((int)c.Long("step_size")), c.Double("gamma")),
            nameof(ExponentialDecay) => new ExponentialDecay(c.Long("decay_steps"), c.Double("decay_rate"), c.Bool("staircase")),
            nameof(CosineDecay) => new CosineDecay(c.Long("decay_steps"), c.Double("alpha"), c.Long("warmup_steps"), c.NullableDouble("warmup_target")),
            _ => throw new ArgumentException($"Unknown learning rate schedule '{name}'; expected one of StepDecay, ExponentialDecay, CosineDecay."),
        };
    }
}
