using Engine.Tensors;

namespace Engine.Layers.Initializers;

public enum FanMode
{
    FanIn,
    FanOut,
    FanAvg,
}

/// <summary>Keras's VarianceScaling: variance = scale / fan. Uniform draws from [-limit, limit) with
/// limit = sqrt(3·variance); normal draws from a normal truncated at two standard deviations, with
/// the standard deviation corrected (÷ 0.87962566) so the variance is still scale / fan.</summary>
public class VarianceScaling(double scale, FanMode mode, bool uniform, string name = "variance_scaling") : Initializer
{
    public double Scale { get; } = scale;

    public FanMode Mode { get; } = mode;

    public bool Uniform { get; } = uniform;

    public override string Name { get; } = name;

    protected override Func<int, double> Sampler(int fanIn, int fanOut, Rng rng)
    {
        var fan = Mode switch
        {
            FanMode.FanIn => fanIn,
            FanMode.FanOut => fanOut,
            _ => (fanIn + fanOut) / 2.0,
        };
        var variance = Scale / Math.Max(1.0, fan);
        if (Uniform)
        {
            var limit = Math.Sqrt(3 * variance);
            return _ => -limit + 2 * limit * rng.NextDouble();
        }
        var std = Math.Sqrt(variance) / 0.87962566103423978;
        return _ =>
        {
            double v;
            do v = rng.NextNormal(); while (Math.Abs(v) > 2);
            return v * std;
        };
    }
}

/// <summary>Glorot (Xavier) uniform: limit = sqrt(6 / (fanIn + fanOut)). Keras's default kernel initializer.</summary>
public sealed class GlorotUniform() : VarianceScaling(1, FanMode.FanAvg, uniform: true, "glorot_uniform");

/// <summary>Glorot normal: truncated normal with std = sqrt(2 / (fanIn + fanOut)).</summary>
public sealed class GlorotNormal() : VarianceScaling(1, FanMode.FanAvg, uniform: false, "glorot_normal");

/// <summary>He uniform: limit = sqrt(6 / fanIn), for ReLU networks.</summary>
public sealed class HeUniform() : VarianceScaling(2, FanMode.FanIn, uniform: true, "he_uniform");

/// <summary>He normal: truncated normal with std = sqrt(2 / fanIn).</summary>
public sealed class HeNormal() : VarianceScaling(2, FanMode.FanIn, uniform: false, "he_normal");
