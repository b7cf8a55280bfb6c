namespace Engine.Optimizers;

/// <summary>rate = base · gamma^floor(step / stepSize): drops by gamma every stepSize optimizer steps
/// (torch StepLR, counted in steps rather than epochs: for per-epoch drops use steps per epoch × epochs).</summary>
public sealed class StepDecay : LearningRateSchedule
{
    public StepDecay(int stepSize, double gamma)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "StepDecay needs stepSize >= 1.");
        if (!(gamma > 0) || double.IsInfinity(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "StepDecay needs a positive finite gamma.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    public int StepSize { get; }

    public double Gamma { get; }

    public override double At(long step, double baseRate) => baseRate * Math.Pow(Gamma, Math.Floor((double)Math.Max(step, 0) / StepSize));

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = nameof(StepDecay),
        ["step_size"] = StepSize,
        ["gamma"] = Gamma,
    };
}
