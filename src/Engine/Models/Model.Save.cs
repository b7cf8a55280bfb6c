using Engine.Callbacks;
using Engine.Layers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>A model's state for saving and restoring: the file layout itself lives in
/// <see cref="CheckpointWriter"/> and <see cref="CheckpointReader"/>.</summary>
public partial class Model
{
    /// <summary>Saves everything needed to use or keep training the model in one safetensors file:
    /// weights (batch-norm statistics included), the JSON model config, the compile config,
    /// optimizer state, the training random stream and the number of finished epochs. The write is
    /// atomic. <see cref="Load"/> reads it back; the file also opens in other safetensors tools.</summary>
    public void Save(string path) => Write(path, includeTraining: true, callbacks: null);

    /// <summary>Only the weights (plus the model config, for reference): Keras's save_weights.</summary>
    public void SaveWeights(string path) => Write(path, includeTraining: false, callbacks: null);

    /// <summary>Rebuilds a model saved with <see cref="Save"/>: architecture from its config, weights,
    /// and (when <paramref name="compile"/> and the file has a compile config) optimizer, losses,
    /// metrics and optimizer state, so Fit(…, initialEpoch: model.Epoch) continues training.
    /// A truncated, corrupted or foreign file raises <see cref="CheckpointFormatException"/>.</summary>
    public static Model Load(string path, bool compile = true) => CheckpointReader.Load(path, compile);

    /// <summary>Loads weights saved by <see cref="Save"/> or <see cref="SaveWeights"/> into this
    /// (already built) model; every weight must be present with the same shape.</summary>
    public void LoadWeights(string path)
    {
        RequireBuilt();
        CheckpointReader.LoadWeights(this, path);
    }

    /// <summary>Host copies of every weight, by path ("conv2d/kernel"): Keras's get_weights.</summary>
    public Dictionary<string, Tensor> GetWeights()
    {
        RequireBuilt();
        using var untracked = TensorScope.Untracked();
        return Weights.ToDictionary(v => v.Path, v => v.Value.To(Device.Cpu));
    }

    /// <summary>Sets weights from tensors keyed by path ("conv2d/kernel", "backbone/dense/bias" inside a
    /// nested model). Keras's set_weights needs every weight; with <paramref name="partial"/> only the
    /// named ones are set (porting part of a network, a pretrained backbone). Unknown names and wrong
    /// shapes are refused before anything is assigned.</summary>
    public void SetWeights(IReadOnlyDictionary<string, Tensor> weights, bool partial = false)
    {
        RequireBuilt();
        var all = Weights;
        foreach (var key in weights.Keys)
            if (all.All(v => v.Path != key))
                throw new ArgumentException($"'{key}' is not a weight of this model; its weights are: {string.Join(", ", all.Select(v => v.Path))}.");
        foreach (var v in all)
        {
            if (!weights.TryGetValue(v.Path, out var t))
            {
                if (partial) continue;
                throw new ArgumentException($"No value was given for weight '{v.Path}' (pass partial: true to set only some weights).");
            }
            if (t.Shape != v.Shape)
                throw new ArgumentException($"Weight '{v.Path}' has shape {v.Shape}; the value given has shape {t.Shape}.");
        }
        foreach (var v in all)
            if (weights.TryGetValue(v.Path, out var t)) v.Assign(t);
    }

    /// <summary>One weight by path ("dense/kernel"), with its current value and gradient.</summary>
    public Variable GetWeight(string path)
    {
        RequireBuilt();
        return Weights.FirstOrDefault(v => v.Path == path)
               ?? throw new ArgumentException($"'{path}' is not a weight of this model; its weights are: {string.Join(", ", Weights.Select(v => v.Path))}.", nameof(path));
    }

    /// <summary>The gradient of every trainable weight by path, as left by the last Backward (null
    /// where none was computed). Fit clears gradients after each step; run a forward pass and
    /// Backward yourself to inspect them: <c>Ops.Mean(loss).Backward(); model.Gradients["dense/kernel"]</c>.</summary>
    public IReadOnlyDictionary<string, Tensor?> Gradients
    {
        get
        {
            RequireBuilt();
            return Layers.SelectMany(l => l.TrainableWeights).ToDictionary(v => v.Path, v => v.Value.Grad);
        }
    }

    /// <summary>Device copies of every weight (EarlyStopping's best weights).</summary>
    internal Dictionary<string, Tensor> SnapshotWeights()
    {
        using var untracked = TensorScope.Untracked();
        return Weights.ToDictionary(v => v.Path, v => Copy(v.Value));
    }

    /// <summary>Device copies of saved tensors.</summary>
    internal Dictionary<string, Tensor> SnapshotOf(IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var untracked = TensorScope.Untracked();
        return tensors.ToDictionary(kv => kv.Key, kv => kv.Value.To(_device));
    }

    /// <summary>Save plus the state of the given callbacks (BackupAndRestore).</summary>
    internal void SaveTrainingCheckpoint(string path, IReadOnlyList<Callback> callbacks) => Write(path, includeTraining: true, callbacks);

    /// <summary>Restores weights, optimizer state, random stream, epoch and callback states from a
    /// training checkpoint into this compiled model; Fit then continues after the saved epoch.</summary>
    internal int RestoreTrainingCheckpoint(string path, IReadOnlyList<Callback> callbacks)
    {
        CheckpointReader.RestoreTraining(this, path, callbacks);
        ResumeEpoch = Epoch;
        return Epoch;
    }

    private void Write(string path, bool includeTraining, IReadOnlyList<Callback>? callbacks)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RequireBuilt();
        CheckpointWriter.Write(this, path, includeTraining, callbacks);
    }
}
