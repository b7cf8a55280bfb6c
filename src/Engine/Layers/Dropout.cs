using Engine.Backends;

namespace Engine.Layers;

/// <summary>Inverted dropout: in training each element is zeroed with probability
/// <see cref="Rate"/> and the rest scaled by 1/(1-rate); identity at inference. The mask comes
/// from the step's seed (drawn from the model's saved RNG), so resumed training repeats it.</summary>
public sealed class Dropout : Layer
{
    public Dropout(double rate, ulong? seed = null, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentException($"Dropout: rate must be in [0, 1); received {rate}.", nameof(rate));
        Rate = rate;
        Seed = seed;
    }

    public double Rate { get; }

    /// <summary>Optional fixed seed, mixed with the step's seed (Keras's seed argument).</summary>
    public ulong? Seed { get; }

    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    protected override Tensor Call(Tensor x, CallContext context)
    {
        if (!context.Training || Rate == 0) return x;
        var seed = Seed is { } s ? CounterRng.Hash(s, (uint)(context.Seed ^ (context.Seed >> 32))) : context.Seed;
        return Ops.Dropout(x, Rate, training: true, seed);
    }

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rate"] = Rate;
        if (Seed is { } s) c["seed"] = s;
        return c;
    }

    internal static Dropout FromConfig(JsonObject c) =>
        new(c.Double("rate"), c["seed"]?.GetValue<ulong>(), c.IntsOrNull("input_shape"), c.Str("name"));
}
