using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Returns the gradient buffer to accumulate into for an input, or null when that input
/// needs no gradient. Buffers start at zero; backward code adds to them.</summary>
public delegate Tensor? GradOf(Tensor input);

/// <summary>The backward of one recorded op: given dy (the gradient of the op's output), add each
/// input's contribution into <c>grad(input)</c>.</summary>
public delegate void BackwardFn(Tensor dy, GradOf grad);

/// <summary>One recorded op on the tape: its inputs and how to push a gradient back to them.</summary>
internal sealed class Node(string op, Tensor[] inputs, BackwardFn backward)
{
    public string Op { get; } = op;

    public Tensor[] Inputs { get; private set; } = inputs;

    public BackwardFn? Backward { get; private set; } = backward;

    public bool Released => Backward is null;

    /// <summary>Drops the closure and inputs so saved activations can be freed.</summary>
    public void Release()
    {
        Backward = null;
        Inputs = [];
    }
}
