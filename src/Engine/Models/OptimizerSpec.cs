using Engine.Optimizers;

namespace Engine.Models;

/// <summary>An optimizer given by Keras name ("adam", "sgd", "rmsprop", "adamw") or as an object;
/// both convert implicitly, so <c>Compile(optimizer: "adam", …)</c> and
/// <c>Compile(optimizer: new Adam(1e-4), …)</c> both work.</summary>
public readonly struct OptimizerSpec
{
    private readonly string? _name;
    private readonly Optimizer? _instance;

    private OptimizerSpec(string? name, Optimizer? instance)
    {
        _name = name;
        _instance = instance;
    }

    public static implicit operator OptimizerSpec(string name) => new(name ?? throw new ArgumentNullException(nameof(name)), null);

    public static implicit operator OptimizerSpec(Optimizer optimizer) => new(null, optimizer ?? throw new ArgumentNullException(nameof(optimizer)));

    internal Optimizer Resolve() => _instance ?? Optimizer.FromName(_name ?? "rmsprop");

    public override string ToString() => _instance?.Name ?? _name ?? "rmsprop";
}
