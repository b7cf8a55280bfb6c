namespace Engine.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>Keras-style config with Keras's key names ("name", "learning_rate", "beta_1", ...,
    /// "global_clipnorm", "clipvalue", "schedule"), for the model's JSON file; <see cref="FromConfig"/>
    /// rebuilds an equal optimizer (without state: use GetState/SetState for that).</summary>
    public abstract Dictionary<string, object?> GetConfig();

    /// <summary>The entries every optimizer has; subclasses add their own.</summary>
    protected Dictionary<string, object?> BaseConfig() => new()
    {
        ["name"] = Name,
        ["learning_rate"] = LearningRate,
        ["global_clipnorm"] = ClipNorm,
        ["clipvalue"] = ClipValue,
        ["schedule"] = Schedule?.GetConfig(),
    };

    private static readonly string[] Names = ["sgd", "adam", "adamw", "rmsprop"];

    /// <summary>An optimizer with Keras's defaults by its Keras name (case-insensitive): "sgd" (rate 0.01),
    /// "adam", "adamw", "rmsprop" (0.001).</summary>
    public static Optimizer FromName(string name, double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "sgd" => new Sgd(learningRate ?? 0.01),
            "adam" => new Adam(learningRate ?? 0.001),
            "adamw" => new AdamW(learningRate ?? 0.001),
            "rmsprop" => new RmsProp(learningRate ?? 0.001),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>Rebuilds an optimizer from <see cref="GetConfig"/>'s dictionary, or from the same
    /// dictionary read back from JSON (values may be System.Text.Json elements). Missing optional
    /// entries take the constructor defaults.</summary>
    public static Optimizer FromConfig(IReadOnlyDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = new ConfigReader(config, "optimizer");
        var name = c.String("name").ToLowerInvariant();
        var lr = c.Double("learning_rate");
        double D(string key, double fallback) => c.Has(key) ? c.Double(key) : fallback;
        bool B(string key, bool fallback) => c.Has(key) ? c.Bool(key) : fallback;
        var clipNorm = c.NullableDouble("global_clipnorm");
        var clipValue = c.NullableDouble("clipvalue");
        var schedule = c.Has("schedule") ? LearningRateSchedule.FromConfig(c.Section("schedule")) : null;
        return name switch
        {
            "sgd" => new Sgd(lr, D("momentum", 0), B("nesterov", false), D("weight_decay", 0), D("dampening", 0))
                { Schedule = schedule, ClipNorm = clipNorm, ClipValue = clipValue },
            "adam" => new Adam(lr, D("beta_1", 0.9), D("beta_2", 0.999), D("epsilon", 1e-7), B("amsgrad", false), D("weight_decay", 0))
                { Schedule = schedule, ClipNorm = clipNorm, ClipValue = clipValue },
            "adamw" => new AdamW(lr, D("beta_1", 0.9), D("beta_2", 0.999), D("epsilon", 1e-7), B("amsgrad", false), D("weight_decay", 0.004))
                { Schedule = schedule, ClipNorm = clipNorm, ClipValue = clipValue },
            "rmsprop" => new RmsProp(lr, D("rho", 0.9), D("momentum", 0), D("epsilon", 1e-7), D("weight_decay", 0))
                { Schedule = schedule, ClipNorm = clipNorm, ClipValue = clipValue },
            _ => throw new ArgumentException($"Unknown optimizer '{name}' in config; expected one of: {string.Join(", ", Names)}."),
        };
    }
}
