using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Records differentiable ops as they run. Each result that depends on a tensor requiring
/// grad gets a <see cref="Node"/>; <see cref="Tensor.Backward"/> walks those nodes in reverse
/// topological order. Inside <see cref="NoGrad"/> nothing is recorded (inference, metrics).</summary>
public static class Tape
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>True when ops on this thread are being recorded.</summary>
    public static bool IsRecording => _noGradDepth == 0;

    /// <summary>Turns recording off on this thread until the handle is disposed:
    /// <c>using (Tape.NoGrad()) { ... }</c>.</summary>
    public static NoGradRegion NoGrad()
    {
        _noGradDepth++;
        return new NoGradRegion(_noGradDepth);
    }

    /// <summary>The handle of <see cref="NoGrad"/> (a struct: opening one allocates nothing).
    /// Disposing it ends the region it opened, once.</summary>
    public struct NoGradRegion : IDisposable
    {
        private int _depth;

        internal NoGradRegion(int depth) => _depth = depth;

        // _depth only marks the handle as live (0 = disposed or default).

        public void Dispose()
        {
            if (_depth == 0) return;
            _depth = 0;
            _noGradDepth--;
        }
    }

    /// <summary>Records <paramref name="output"/> as computed by <paramref name="op"/> from
    /// <paramref name="inputs"/>, if recording is on and some input requires grad. This is also the
    /// public way to add a custom differentiable op.</summary>
    public static void Record(string op, Tensor output, Tensor[] inputs, BackwardFn backward)
    {
        if (!IsRecording) return;
        var any = false;
        foreach (var t in inputs)
            if (t.RequiresGrad) { any = true; break; }
        if (!any) return;
        output.GradFn = new ClosureNode(op, inputs, backward);
        output.RequiresGrad = true;
    }

    /// <summary>How built-in ops record: what the backward needs goes in <paramref name="saved"/>
    /// (a struct) and the backward is a static lambda over it, so recording allocates nothing once
    /// warm: <c>Tape.Record("bias_add", y, [x, bias], (x, bias, outer), static (in s, dy, grad) => ...)</c>.</summary>
    internal static void Record<TState>(string op, Tensor output, ReadOnlySpan<Tensor> inputs, in TState saved, BackwardFn<TState> backward)
    {
        if (!WillRecord(inputs)) return;
        output.GradFn = StateNode<TState>.Rent(op, inputs, saved, backward);
        output.RequiresGrad = true;
    }

    /// <summary>True when an op result will need a backward (callers skip saving state otherwise).</summary>
    public static bool WillRecord(params Tensor[] inputs) => WillRecord((ReadOnlySpan<Tensor>)inputs);

    /// <summary><see cref="WillRecord(Tensor[])"/> without an array.</summary>
    public static bool WillRecord(params ReadOnlySpan<Tensor> inputs)
    {
        if (!IsRecording) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }
}
