using Engine.Autograd;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Cli.Training;

/// <summary>Turns a model's outputs into probabilities on the host, whether its last layer emits
/// logits (the seed CNN) or already applies softmax / sigmoid.</summary>
internal static class ModelOutputs
{
    public static bool EndsInProbabilities(Model model) => model.Layers[^1] switch
    {
        Dense d => d.Activation is "softmax" or "sigmoid",
        Activation a => a.Function is "softmax" or "sigmoid",
        _ => false,
    };

    /// <summary>Probabilities (N, C) as a host array: softmax for classes, sigmoid for multi-label.</summary>
    public static float[] Probabilities(Model model, Tensor x, bool multiLabel)
    {
        using var scope = new TensorScope();
        var output = model.Predict(x);
        if (EndsInProbabilities(model)) return output.ToFloatArray();
        using var _ = Tape.NoGrad();
        return (multiLabel ? Ops.Sigmoid(output) : Ops.Softmax(output)).ToFloatArray();
    }
}
