namespace Engine.Layers;

/// <summary>Activation functions by Keras name ("relu", "sigmoid", "softmax", "tanh", "linear", …),
/// plus any registered with <see cref="Register"/>. Softmax and sigmoid outputs remember their
/// logits, so that a cross-entropy loss with <c>fromLogits: false</c> can still use the stable fused
/// logits form (TensorFlow's Keras does the same).</summary>
public static class Activations
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Table = new()
    {
        ["linear"] = x => x,
        ["relu"] = BuiltinRelu,
        ["sigmoid"] = x => Remember(Ops.Sigmoid(x), x, sigmoid: true),
        ["softmax"] = x => Remember(Ops.Softmax(x), x, sigmoid: false),
        ["tanh"] = Ops.Tanh,
        ["log_softmax"] = Ops.LogSoftmax,
        ["swish"] = x => Ops.Mul(x, Ops.Sigmoid(x)),
        ["silu"] = x => Ops.Mul(x, Ops.Sigmoid(x)),
        ["relu6"] = Ops.Relu6,
        ["leaky_relu"] = x => Ops.LeakyRelu(x),
        ["elu"] = x => Ops.Elu(x),
        ["hard_sigmoid"] = Ops.HardSigmoid,
        ["hard_swish"] = Ops.HardSwish,
        ["hard_silu"] = Ops.HardSwish,
    };


    private static Tensor BuiltinRelu(Tensor x) => Ops.Relu(x);

    /// <summary>Whether <paramref name="name"/> means the built-in ReLU (not re-registered), which a layer
    /// may fuse into its own op (Conv2D does).</summary>
    internal static bool IsBuiltinRelu(string? name)
    {
        if (name != "relu") return false;
        lock (Table) return Table.TryGetValue(name, out var f) && f == (Func<Tensor, Tensor>)BuiltinRelu;
    }

    /// <summary>Names that <see cref="Apply"/> understands.</summary>
    public static IReadOnlyCollection<string> Names
    {
        get { lock (Table) return Table.Keys.ToArray(); }
    }

    /// <summary>Adds a custom activation usable by name in every layer (and in saved configs, once
    /// registered again before loading).</summary>
    public static void Register(string name, Func<Tensor, Tensor> function)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(function);
        lock (Table) Table[name] = function;
    }

    /// <summary>Checks a name (null means linear) and returns it normalized.</summary>
    public static string? Validate(string? name)
    {
        if (name is null) return null;
        var key = name.Trim().ToLowerInvariant();
        lock (Table)
        {
            if (Table.ContainsKey(key)) return key == "linear" ? null : key;
            if (Table.ContainsKey(name)) return name;
        }
        throw new ArgumentException($"Could not interpret activation function identifier: '{name}'. Known activations: {string.Join(", ", Names.Order())} (add your own with Activations.Register).", nameof(name));
    }

    /// <summary>Applies the named activation (null or "linear": identity).</summary>
    public static Tensor Apply(string? name, Tensor x)
    {
        if (name is null) return x;
        Func<Tensor, Tensor>? f;
        lock (Table) Table.TryGetValue(name, out f);
        return (f ?? Table[Validate(name) ?? "linear"])(x);
    }

    private static Tensor Remember(Tensor output, Tensor logits, bool sigmoid)
    {
        // Kept on the output itself (not in a table keyed by tensor identity): a training step's tensor
        // objects are reused by later steps, and the incarnation tells a reused logits object apart.
        output.ActivationLogits = (logits, logits.Incarnation, sigmoid);
        return output;
    }

    /// <summary>The logits a softmax output was computed from, if it came from <see cref="Apply"/>.</summary>
    internal static bool TryGetSoftmaxLogits(Tensor probs, out Tensor logits) => TryGet(probs, sigmoid: false, out logits);

    /// <summary>The logits a sigmoid output was computed from, if it came from <see cref="Apply"/>.</summary>
    internal static bool TryGetSigmoidLogits(Tensor probs, out Tensor logits) => TryGet(probs, sigmoid: true, out logits);

    private static bool TryGet(Tensor probs, bool sigmoid, out Tensor logits)
    {
        if (probs.ActivationLogits is { } l && l.Sigmoid == sigmoid && l.Logits.Incarnation == l.Incarnation && !l.Logits.IsDisposed)
        {
            logits = l.Logits;
            return true;
        }
        logits = null!;
        return false;
    }
}
