using Engine.Tensors;

namespace Engine.Layers.Initializers;

/// <summary>Creates a layer's starting weights, as Keras initializers do. A string converts
/// implicitly ("glorot_uniform", "he_normal", "zeros", …), so <c>kernelInitializer: "he_normal"</c>
/// reads like Keras. Randomness comes from the <see cref="Rng"/> the layer passes in (seeded from the
/// model's seed and the layer's position), unless the initializer has its own <see cref="Seed"/>.</summary>
public abstract class Initializer
{
    /// <summary>Optional fixed seed (Keras's <c>seed=</c> argument); overrides the layer's stream.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Keras's snake_case identifier, used in model configs.</summary>
    public abstract string Name { get; }

    /// <summary>Values for a weight of <paramref name="shape"/>; fanIn/fanOut are given by the layer
    /// because the kernel layouts differ (Dense [in, out], Conv2D [F, C, KH, KW]).</summary>
    public Tensor Create(Shape shape, int fanIn, int fanOut, DType dtype, Device device, Rng rng) =>
        Tensor.FromHost(shape, dtype, device, Sampler(fanIn, fanOut, Seed is { } s ? new Rng(s) : rng));

    /// <summary>A function from element index to value; drawn in index order.</summary>
    protected abstract Func<int, double> Sampler(int fanIn, int fanOut, Rng rng);

    /// <summary>The names Keras uses for the built-in initializers.</summary>
    public static IReadOnlyList<string> KnownNames { get; } =
        ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "zeros", "ones"];

    public static Initializer FromName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "glorot_uniform" or "xavier_uniform" => new GlorotUniform(),
        "glorot_normal" or "xavier_normal" => new GlorotNormal(),
        "he_uniform" => new HeUniform(),
        "he_normal" => new HeNormal(),
        "lecun_uniform" => new VarianceScaling(1, FanMode.FanIn, uniform: true, "lecun_uniform"),
        "lecun_normal" => new VarianceScaling(1, FanMode.FanIn, uniform: false, "lecun_normal"),
        "zeros" or "zero" => new Constant(0),
        "ones" or "one" => new Constant(1),
        _ => throw new ArgumentException(
            $"Could not interpret initializer identifier: '{name}'. Known initializers: {string.Join(", ", KnownNames)}.", nameof(name)),
    };

    public static implicit operator Initializer(string name) => FromName(name);
}
