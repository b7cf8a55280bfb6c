using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Returns the gradient buffer to accumulate into for an input, or null when that input
/// needs no gradient. Buffers start at zero; backward code adds to them.</summary>
public delegate Tensor? GradOf(Tensor input);

/// <summary>The backward of one recorded op: given dy (the gradient of the op's output), add each
/// input's contribution into <c>grad(input)</c>.</summary>
public delegate void BackwardFn(Tensor dy, GradOf grad);

/// <summary>A built-in op's backward as a static method over what the op saved: no closure, so
/// recording the op allocates nothing (the node and its state are pooled).</summary>
internal delegate void BackwardFn<TState>(in TState saved, Tensor dy, GradOf grad);

/// <summary>One recorded op on the tape: its inputs and how to push a gradient back to them.</summary>
internal abstract class Node
{
    private Tensor[] _inputs = [];
    private int _count;

    public string Op { get; private set; } = "";

    public ReadOnlySpan<Tensor> Inputs => _inputs.AsSpan(0, _count);

    public bool Released { get; private set; } = true;

    /// <summary>Runs the backward (only while not released).</summary>
    public abstract void Backward(Tensor dy, GradOf grad);

    protected void Start(string op, ReadOnlySpan<Tensor> inputs)
    {
        Op = op;
        if (_inputs.Length < inputs.Length) _inputs = new Tensor[inputs.Length];
        inputs.CopyTo(_inputs);
        _count = inputs.Length;
        Released = false;
    }

    /// <summary>Drops the backward's state and the inputs so saved activations can be freed.</summary>
    public void Release()
    {
        Released = true;
        Array.Clear(_inputs, 0, _count);
        _count = 0;
        DropState();
    }

    protected abstract void DropState();

    /// <summary>The output tensor let go of this node (disposed): a pooled node can serve the next op.</summary>
    public virtual void Recycle() => Release();
}

/// <summary>A node of a custom op recorded with a closure (<see cref="Tape.Record(string, Tensor, Tensor[], BackwardFn)"/>).</summary>
internal sealed class ClosureNode : Node
{
    private BackwardFn? _backward;

    public ClosureNode(string op, Tensor[] inputs, BackwardFn backward)
    {
        Start(op, inputs);
        _backward = backward;
    }

    public override void Backward(Tensor dy, GradOf grad) => _backward!(dy, grad);

    protected override void DropState() => _backward = null;
}

/// <summary>A node of a built-in op: its saved state and a static backward, taken from a per-state-type
/// pool and given back when the output tensor is disposed (a training step's intermediates, at the end
/// of its TensorScope). A node is reached only through its output's GradFn, which Dispose clears
/// first, so a recycled node is never seen through a stale tensor.</summary>
internal sealed class StateNode<TState> : Node
{
    [ThreadStatic] private static Stack<StateNode<TState>>? _free;

    private TState? _state;
    private BackwardFn<TState>? _backward;

    public static StateNode<TState> Rent(string op, ReadOnlySpan<Tensor> inputs, in TState state, BackwardFn<TState> backward)
    {
        var node = _free is { Count: > 0 } free ? free.Pop() : new StateNode<TState>();
        node.Start(op, inputs);
        node._state = state;
        node._backward = backward;
        return node;
    }

    public override void Backward(Tensor dy, GradOf grad) => _backward!(in _state!, dy, grad);

    protected override void DropState()
    {
        _state = default;
        _backward = null;
    }

    public override void Recycle()
    {
        Release();
        var free = _free ??= new Stack<StateNode<TState>>();
        if (free.Count < MaxFree) free.Push(this);
    }

    private const int MaxFree = 1024;
}
