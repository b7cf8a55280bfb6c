using Engine.Callbacks;
using Engine.Tensors;
using Engine.Training;

namespace Engine.Models;

public partial class Model
{
    /// <summary>Trains a single-output model on arrays, like Keras's fit: x is (N, C, H, W) or
    /// (N, features); y is int32 labels (N) or one-hot / multi-hot (N, C). validationSplit holds out
    /// the last fraction of the samples (before shuffling), as Keras does. classWeight maps class →
    /// weight (see README for multi-label targets); sampleWeight is (N). The shuffle order and
    /// dropout masks come from the model's training random stream (seeded by <paramref name="seed"/>
    /// when given). Progress goes to <paramref name="output"/> (Console.Out by default).</summary>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null,
        double validationSplit = 0, (Tensor X, Tensor Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null, int initialEpoch = 0,
        ulong? seed = null, TextWriter? output = null)
    {
        var name = SingleOutputName("Fit");
        return Fit(x, new Dictionary<string, Tensor> { [name] = y }, batchSize, epochs, verbose, callbacks, validationSplit,
            validationData is { } v ? (v.X, new Dictionary<string, Tensor> { [name] = v.Y }) : null,
            shuffle, classWeight, sampleWeight, initialEpoch, seed, output);
    }

    /// <summary>Trains a multi-output model on arrays: one target array per output name.</summary>
    public History Fit(Tensor x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0,
        (Tensor X, IReadOnlyDictionary<string, Tensor> Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null, int initialEpoch = 0,
        ulong? seed = null, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Fit([x], y, batchSize, epochs, verbose, callbacks, validationSplit,
            validationData is { } v ? ([v.X], v.Y) : null, shuffle, classWeight, sampleWeight, initialEpoch, seed, output);
    }

    /// <summary>Trains a model with several inputs: one array per input (in the order of
    /// <see cref="Inputs"/>) and one target array per output name.</summary>
    public History Fit(IReadOnlyList<Tensor> x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, int epochs = 1, int verbose = 1,
        IEnumerable<Callback>? callbacks = null, double validationSplit = 0,
        (IReadOnlyList<Tensor> X, IReadOnlyDictionary<string, Tensor> Y)? validationData = null, bool shuffle = true,
        IReadOnlyDictionary<int, double>? classWeight = null, Tensor? sampleWeight = null, int initialEpoch = 0,
        ulong? seed = null, TextWriter? output = null)
    {
        var (train, validation) = ArrayInputs.Sources(this, x, y, batchSize, validationSplit, validationData, shuffle, sampleWeight);
        return FitLoop.Run(this, RequireCompiled("training"), train, validation, epochs, verbose, callbacks, classWeight, initialEpoch, seed, output);
    }

    /// <summary>Trains on a dataset (image folders, generated data, …). For a multi-output model,
    /// <paramref name="targets"/> maps the dataset's Y to one target per output name.</summary>
    public History Fit(IDataset data, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null, IDataset? validationData = null,
        IReadOnlyDictionary<int, double>? classWeight = null, int initialEpoch = 0, ulong? seed = null, TextWriter? output = null,
        Func<Tensor, IReadOnlyDictionary<string, Tensor>>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var name = targets is null ? SingleOutputName("Fit on a dataset without a targets mapping") : "";
        return FitLoop.Run(this, RequireCompiled("training"), new DatasetSource(data, name, targets),
            validationData is null ? null : new DatasetSource(validationData, name, targets),
            epochs, verbose, callbacks, classWeight, initialEpoch, seed, output);
    }

    private string SingleOutputName(string what)
    {
        if (Built && _outputs.Count == 1) return _outputs[0].Name;
        if (!Built) return OutputNames.Count == 1 ? OutputNames[0] : "output";
        if (OutputNames.Count != 1)
            throw new ArgumentException($"{what}: model '{Name}' has {OutputNames.Count} outputs ({string.Join(", ", OutputNames)}); give targets as a dictionary by output name.");
        return OutputNames[0];
    }
}
