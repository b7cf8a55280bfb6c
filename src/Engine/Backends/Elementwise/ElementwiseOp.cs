using System.Numerics;

namespace Engine.Backends.Elementwise;

/// <summary>One per-element op, defined once: its forward expression over the inputs and, per input,
/// the expression added to that input's gradient. From it come the CUDA kernels
/// <c>&lt;name&gt;_forward</c> / <c>&lt;name&gt;_backward</c> in kernels/elementwise_generated.cu and
/// the CPU loops, with these argument orders (the CUDA kernel and its CPU twin alike):
/// <code>
/// forward:  (inputs..., y, n, params...)             y[i]  = Forward
/// backward: (saved..., dy, grads..., n, params...)   gk[i] += Grads[k]   (a null gradient is skipped
///                                                                         when the op has several)
/// </code></summary>
public sealed class ElementwiseOp
{
    /// <summary>Most tensors and parameters a generated loop takes (the CPU delegates are fixed-arity).</summary>
    public const int MaxInputs = 2, MaxParams = 3;

    public ElementwiseOp(string name, string doc, string[] inputs, Expr forward, string[] saved, (string Grad, Expr Value)[] grads, string[]? parameters = null)
    {
        if (inputs.Length is < 1 or > MaxInputs || saved.Length > MaxInputs || grads.Length > MaxInputs || (parameters?.Length ?? 0) > MaxParams)
            throw new ArgumentException($"elementwise op {name}: at most {MaxInputs} inputs, saved tensors and gradients and {MaxParams} parameters.");
        Name = name;
        Doc = doc;
        Inputs = inputs;
        Forward = forward;
        Saved = saved;
        Grads = grads;
        Params = parameters ?? [];
        Float32 = new Lazy<CpuLoops.Compiled<float>>(() => CpuLoops.Compile<float>(this));
        Float64 = new Lazy<CpuLoops.Compiled<double>>(() => CpuLoops.Compile<double>(this));
    }

    /// <summary>snake_case name; the kernels are <see cref="ForwardKernel"/> and <see cref="BackwardKernel"/>.</summary>
    public string Name { get; }

    /// <summary>One line for the generated file's header: what the op computes.</summary>
    public string Doc { get; }

    /// <summary>Names of the forward's tensor inputs, as the expressions read them (x; a, b).</summary>
    public IReadOnlyList<string> Inputs { get; }

    public Expr Forward { get; }

    /// <summary>Tensors the backward reads besides dy: forward inputs (x) or the output (y).</summary>
    public IReadOnlyList<string> Saved { get; }

    /// <summary>Gradient buffers (dx; da, db) and what each accumulates.</summary>
    public IReadOnlyList<(string Grad, Expr Value)> Grads { get; }

    /// <summary>Scalar parameters (double on the wire, rounded to the element type once).</summary>
    public IReadOnlyList<string> Params { get; }

    public string ForwardKernel => _forwardKernel ??= Name + "_forward"; // named on every CPU call: made once

    public string BackwardKernel => _backwardKernel ??= Name + "_backward";

    private string? _forwardKernel, _backwardKernel;

    public bool HasBackward => Grads.Count > 0;

    /// <summary>Gradients are optional (null skipped) when the op has more than one input.</summary>
    public bool GradsOptional => Grads.Count > 1;

    internal Lazy<CpuLoops.Compiled<float>> Float32 { get; }

    internal Lazy<CpuLoops.Compiled<double>> Float64 { get; }

    /// <summary>The compiled CPU loops for element type T (float or double; the JIT folds the test).</summary>
    internal CpuLoops.Compiled<T> Loops<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (CpuLoops.Compiled<T>)(object)Float32.Value : (CpuLoops.Compiled<T>)(object)Float64.Value;

    public override string ToString() => Name;
}
