using System.Globalization;
using System.Text;

namespace Engine.Backends.Elementwise;

/// <summary>Prints the CUDA C of the generated ops: kernels/elementwise_generated.cu. The file is checked
/// in because the NVRTC compile check and the kernel emulator read kernels/*.cu as they are;
/// a test (GeneratedKernelSourceTests) fails when it differs from what the table produces now and says
/// how to rewrite it.</summary>
public static class CudaSource
{
    public const string FileName = "elementwise_generated.cu";

    public const string RegenerateCommand =
        "ENGINE_REGENERATE_KERNELS=1 dotnet test --project tests/Engine.Tests -- --filter-class '*GeneratedKernelSourceTests*'";

    public static string Generate(IReadOnlyList<ElementwiseOp> ops)
    {
        var s = new StringBuilder();
        s.Append("// GENERATED from src/Engine/Backends/Elementwise/ElementwiseOps.cs by CudaSource; do not edit by hand.\n");
        s.Append("// Regenerate: ").Append(RegenerateCommand).Append('\n');
        s.Append("// Per-element ops over contiguous float buffers of n elements (any layout):\n");
        s.Append("//   <op>_forward(inputs..., y, n, params...)             y[i] = f(inputs[i])\n");
        s.Append("//   <op>_backward(saved..., dy, grads..., n, params...)  grad[i] += df (accumulates; with two\n");
        s.Append("//                                                        gradients a null pointer is skipped)\n");
        s.Append("// Scalar parameters arrive as double and are rounded to float once.\n");
        foreach (var op in ops) s.Append("//   ").Append(op.Name).Append(": ").Append(op.Doc).Append('\n');
        s.Append("#include \"common.cuh\"\n");
        foreach (var op in ops)
        {
            s.Append('\n');
            WriteForward(s, op);
            if (op.HasBackward)
            {
                s.Append('\n');
                WriteBackward(s, op);
            }
        }
        return s.ToString();
    }

    private static void WriteForward(StringBuilder s, ElementwiseOp op)
    {
        var args = op.Inputs.Select(i => $"const float* {i}").Append("float* y").Append("int n").Concat(op.Params.Select(p => $"double {p}_d"));
        Header(s, op.ForwardKernel, args, op);
        s.Append("    for (long long i = first_index(); i < n; i += grid_stride()) y[i] = ").Append(Print(op.Forward, top: true)).Append(";\n}\n");
    }

    private static void WriteBackward(StringBuilder s, ElementwiseOp op)
    {
        var args = op.Saved.Select(i => $"const float* {i}").Append("const float* dy").Concat(op.Grads.Select(g => $"float* {g.Grad}"))
            .Append("int n").Concat(op.Params.Select(p => $"double {p}_d"));
        Header(s, op.BackwardKernel, args, op);
        s.Append("    for (long long i = first_index(); i < n; i += grid_stride())");
        if (!op.GradsOptional)
        {
            var (grad, value) = op.Grads[0];
            s.Append(' ').Append(grad).Append("[i] += ").Append(Print(value, top: true)).Append(";\n}\n");
            return;
        }
        s.Append("\n    {\n");
        foreach (var (grad, value) in op.Grads)
            s.Append("        if (").Append(grad).Append(") ").Append(grad).Append("[i] += ").Append(Print(value, top: true)).Append(";\n");
        s.Append("    }\n}\n");
    }

    private static void Header(StringBuilder s, string kernel, IEnumerable<string> args, ElementwiseOp op)
    {
        s.Append("extern \"C\" __global__ void ").Append(kernel).Append('(').Append(string.Join(", ", args)).Append(")\n{\n");
        if (op.Params.Count > 0)
            s.Append("    const float ").Append(string.Join(", ", op.Params.Select(p => $"{p} = (float){p}_d"))).Append(";\n");
    }

    /// <summary>C for one expression; every operation parenthesized except the outermost.</summary>
    public static string Print(Expr e, bool top = false)
    {
        var text = e switch
        {
            Expr.Element el => el.Name + "[i]",
            Expr.Param p => p.Name,
            Expr.Const c => Literal(c.Value),
            Expr.Negate n => "-" + Print(n.A),
            Expr.Binary b => $"{Print(b.A)} {b.Op} {Print(b.B)}",
            Expr.Select sel => $"{Print(sel.Cond)} ? {Print(sel.A)} : {Print(sel.B)}",
            Expr.Call call => $"{FunctionName(call.Function)}({string.Join(", ", call.Args.Select(a => Print(a, top: true)))})",
            _ => throw new NotSupportedException($"CudaSource: no printer for {e.GetType().Name}."),
        };
        var atom = e is Expr.Element or Expr.Param or Expr.Call || (e is Expr.Const k && k.Value >= 0);
        return top || atom ? text : $"({text})";
    }

    private static string FunctionName(Function f) => f switch
    {
        Function.Exp => "expf",
        Function.ExpM1 => "expm1f",
        Function.Log => "logf",
        Function.Tanh => "tanhf",
        Function.Min => "fminf",
        Function.Max => "fmaxf",
        _ => throw new NotSupportedException($"CudaSource: no CUDA function for {f}."),
    };

    /// <summary>A float literal that rounds to the same float as the CPU's (float)value.</summary>
    private static string Literal(double value)
    {
        var f = (float)value;
        var text = f.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('.') && !text.Contains('E')) text += ".0";
        return text + "f";
    }
}
