using Engine.Tensors;

namespace Engine.Layers.Initializers;

/// <summary>Every element the same value: "zeros" (Keras's default bias initializer), "ones"
/// (batch-norm gamma and moving variance), or any constant.</summary>
public sealed class Constant(double value) : Initializer
{
    public double Value { get; } = value;

    public override string Name => Value switch
    {
        0 => "zeros",
        1 => "ones",
        _ => "constant",
    };

    protected override Func<int, double> Sampler(int fanIn, int fanOut, Rng rng) => _ => Value;
}
