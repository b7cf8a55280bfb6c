using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Training;

/// <summary>A model's trainable weights in one buffer (<see cref="ParameterArena"/>): one launch
/// zeroes the gradients and one updates every weight. Gathered at the first training step, and again
/// whenever the trainable set changed or the model moved to another device.</summary>
internal sealed class TrainableArena : IDisposable
{
    private ParameterArena? _arena;

    /// <summary>The trainable weights, living in the arena with their gradients attached.</summary>
    public IReadOnlyList<Tensor> Parameters(IReadOnlyList<Tensor> trainable)
    {
        if (_arena is { } arena && arena.Holds(trainable))
        {
            arena.AttachGradients();
            return trainable;
        }
        Dispose();
        _arena = ParameterArena.Gather(trainable);
        return trainable;
    }

    /// <summary>Zero gradients for the next step: one fill over the arena (the buffers stay attached,
    /// as with torch's zero_grad(set_to_none=False)), or dropped one by one without an arena.</summary>
    public void ZeroGradients(IReadOnlyList<Tensor> parameters)
    {
        if (_arena is { } arena && arena.Holds(parameters)) arena.ZeroGradients();
        else Optimizer.ZeroGrad(parameters);
    }

    /// <summary>Lets the weights go back to buffers of their own (model moved or disposed).</summary>
    public void Dispose()
    {
        _arena?.Dispose();
        _arena = null;
    }
}
