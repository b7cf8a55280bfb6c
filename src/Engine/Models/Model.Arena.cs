using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Models;

public partial class Model
{
    // The trainable weights in one buffer (ParameterArena): one launch zeroes the gradients and one
    // updates every weight. Gathered at the first training step, and again whenever the trainable
    // set changed or the model moved to another device.
    private ParameterArena? _arena;

    /// <summary>The trainable weights, living in the model's arena with their gradients attached.</summary>
    private IReadOnlyList<Tensor> TrainingParameters()
    {
        var parameters = TrainableWeights;
        if (_arena is { } arena && arena.Holds(parameters))
        {
            arena.AttachGradients();
            return parameters;
        }
        ReleaseArena();
        _arena = ParameterArena.Gather(parameters);
        return parameters;
    }

    /// <summary>Zero gradients for the next step: one fill over the arena (the buffers stay attached,
    /// as with torch's zero_grad(set_to_none=False)), or dropped one by one without an arena.</summary>
    private void ZeroGradients(IReadOnlyList<Tensor> parameters)
    {
        if (_arena is { } arena && arena.Holds(parameters)) arena.ZeroGradients();
        else Optimizer.ZeroGrad(parameters);
    }

    private void ReleaseArena()
    {
        _arena?.Dispose();
        _arena = null;
    }
}
