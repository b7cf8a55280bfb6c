namespace Engine.Optimizers;

/// <summary>Keras CosineDecay. Without warm-up: rate = base · ((1-α)·½(1 + cos(π·min(step, D)/D)) + α).
/// With a warm-up target: the rate rises linearly from base to warmupTarget over warmupSteps, then
/// decays from warmupTarget by the same cosine over the next decaySteps (D), and stays at
/// α·warmupTarget afterwards.</summary>
public sealed class CosineDecay : LearningRateSchedule
{
    public CosineDecay(long decaySteps, double alpha = 0, long warmupSteps = 0, double? warmupTarget = null)
    {
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "CosineDecay needs decaySteps >= 1.");
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "CosineDecay needs alpha in [0, 1] (the final rate as a fraction of the initial one).");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "CosineDecay needs warmupSteps >= 0.");
        if (warmupTarget is { } t && (!(t > 0) || double.IsInfinity(t)))
            throw new ArgumentOutOfRangeException(nameof(warmupTarget), warmupTarget, "CosineDecay needs a positive finite warmupTarget.");
        // Keras silently ignores warmup_steps without a warmup_target; a silent no-op hides a typo, so refuse it.
        if (warmupSteps > 0 && warmupTarget is null)
            throw new ArgumentException("CosineDecay: warmupSteps > 0 needs a warmupTarget (the rate reached at the end of the warm-up).", nameof(warmupTarget));
        (DecaySteps, Alpha, WarmupSteps, WarmupTarget) = (decaySteps, alpha, warmupSteps, warmupTarget);
    }

    public long DecaySteps { get; }

    public double Alpha { get; }

    public long WarmupSteps { get; }

    public double? WarmupTarget { get; }

    public override double At(long step, double baseRate)
    {
        step = Math.Max(step, 0);
        if (WarmupTarget is not { } target)
            return Decay(Math.Min(step, DecaySteps), baseRate);
        step = Math.Min(step, DecaySteps + WarmupSteps);
        if (step < WarmupSteps)
            return baseRate + (target - baseRate) * step / WarmupSteps;
        return Decay(step - WarmupSteps, target);
    }

    private double Decay(long step, double from)
    {
        var cosine = 0.5 * (1 + Math.Cos(Math.PI * step / DecaySteps));
        return from * ((1 - Alpha) * cosine + Alpha);
    }

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = nameof(CosineDecay),
        ["decay_steps"] = DecaySteps,
        ["alpha"] = Alpha,
        ["warmup_steps"] = WarmupSteps,
        ["warmup_target"] = WarmupTarget,
    };
}
