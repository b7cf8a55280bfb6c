using Engine.Tensors;

namespace Engine.Optimizers;

/// <summary>Base of all optimizers. <see cref="Step"/> updates every parameter that has a gradient
/// (after optional clipping) and counts the step; it never zeroes gradients (Fit does that).
/// State (moments, velocities) is kept per parameter index, so the parameter list must be passed
/// in the same order every time (a model's TrainableWeights is).</summary>
public abstract partial class Optimizer
{
    protected Optimizer(double learningRate)
    {
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive finite number.");
        LearningRate = learningRate;
    }

    /// <summary>The base learning rate (ReduceLROnPlateau lowers it; a schedule scales from it).</summary>
    public double LearningRate { get; set; }

    /// <summary>Optional schedule: the rate used at step t is Schedule(t) instead of LearningRate.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Clip each step's gradients so their global L2 norm is at most this (torch clip_grad_norm_,
    /// Keras global_clipnorm). The gradients are rescaled in place.</summary>
    public double? ClipNorm
    {
        get => _clipNorm;
        init => _clipNorm = CheckClip(value, nameof(ClipNorm), ClipValue);
    }

    /// <summary>Clip each gradient element to [-ClipValue, ClipValue] in place (Keras clipvalue).</summary>
    public double? ClipValue
    {
        get => _clipValue;
        init => _clipValue = CheckClip(value, nameof(ClipValue), ClipNorm);
    }

    private readonly double? _clipNorm;
    private readonly double? _clipValue;

    // Keras refuses two clipping modes at once; so do we (the order they would apply in is ambiguous).
    private static double? CheckClip(double? value, string name, double? other)
    {
        if (value is null) return null;
        if (!(value > 0) || double.IsInfinity(value.Value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
        if (other is not null)
            throw new ArgumentException("Only one of ClipNorm and ClipValue can be set.", name);
        return value;
    }

    /// <summary>Number of steps taken so far.</summary>
    public long Iterations { get; protected set; }

    /// <summary>Short Keras name: "sgd", "adam", "adamw", "rmsprop".</summary>
    public abstract string Name { get; }

    /// <summary>The learning rate the next step will use.</summary>
    public double CurrentLearningRate => Schedule?.At(Iterations, LearningRate) ?? LearningRate;
}

