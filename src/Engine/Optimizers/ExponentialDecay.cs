namespace Engine.Optimizers;

/// <summary>Keras ExponentialDecay: rate = base · decayRate^(step / decaySteps), with the exponent
/// floored when <see cref="Staircase"/> is set.</summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    public ExponentialDecay(long decaySteps, double decayRate, bool staircase = false)
    {
        if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "ExponentialDecay needs decaySteps >= 1.");
        if (!(decayRate > 0) || double.IsInfinity(decayRate)) throw new ArgumentOutOfRangeException(nameof(decayRate), decayRate, "ExponentialDecay needs a positive finite decayRate.");
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Staircase = staircase;
    }

    public long DecaySteps { get; }

    public double DecayRate { get; }

    public bool Staircase { get; }

    public override double At(long step, double baseRate)
    {
        var p = (double)Math.Max(step, 0) / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return baseRate * Math.Pow(DecayRate, p);
    }

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = nameof(ExponentialDecay),
        ["decay_steps"] = DecaySteps,
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
    };
}
