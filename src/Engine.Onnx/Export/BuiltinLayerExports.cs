using Engine.Autograd;
using Engine.Layers;

namespace Engine.Onnx.Export;

/// <summary>The ONNX form of each built-in layer. Images stay NCHW, which is ONNX's own layout, and
/// Conv2D kernels are already [filters, channels, kh, kw], so weights are written as they are.</summary>
internal static class BuiltinLayerExports
{
    public static void RegisterAll(Dictionary<Type, Func<OnnxGraphWriter, LayerCall, string>> table)
    {
        table[typeof(Conv2D)] = (g, c) => Conv(g, c, (Conv2D)c.Layer);
        table[typeof(Dense)] = (g, c) => Dense(g, c, (Dense)c.Layer);
        table[typeof(BatchNormalization)] = (g, c) => BatchNorm(g, c, (BatchNormalization)c.Layer);
        table[typeof(MaxPooling2D)] = (g, c) => Pool(g, c, "MaxPool", (Pooling2D)c.Layer);
        table[typeof(AveragePooling2D)] = (g, c) => Pool(g, c, "AveragePool", (Pooling2D)c.Layer);
        table[typeof(GlobalAveragePooling2D)] = (g, c) =>
            g.Node("Flatten", c.Layer.Name, [g.Node("GlobalAveragePool", $"{c.Layer.Name}/global_average_pool", [c.Input])], OnnxAttribute.Int("axis", 1));
        table[typeof(Flatten)] = (g, c) => g.Node("Flatten", c.Layer.Name, [c.Input], OnnxAttribute.Int("axis", 1));
        // Dropout is the identity at inference: no node, the next layer reads the input directly.
        table[typeof(Dropout)] = (_, c) => c.Input;
        table[typeof(Activation)] = (g, c) =>
            ActivationExport.Apply(g, ((Activation)c.Layer).Function, c.Input, c.Layer.Name, c.Layer.Name, c.Layer.ClassName) is var y && y == c.Input
                ? g.Node("Identity", c.Layer.Name, [c.Input]) : y;
        table[typeof(Rescaling)] = (g, c) => Rescale(g, c, (Rescaling)c.Layer);
        ShapeAndConvLayerExports.RegisterAll(table);
        MergeLayerExports.RegisterAll(table);
    }

    private static string Conv(OnnxGraphWriter g, LayerCall c, Conv2D l) =>
        ConvNode(g, c.Input, c.InputShape, l.Name, l.Activation, l.Kernel!.Value, l.Bias?.Value, l.KernelSize, l.Strides, l.DilationRate, l.Padding, l.Groups, l.ClassName);

    /// <summary>One ONNX Conv (kernels are [out, in/group, kh, kw] in both) plus its activation.</summary>
    internal static string ConvNode(OnnxGraphWriter g, string input, int[] inputShape, string name, string? activation, Engine.Tensors.Tensor kernel,
        Engine.Tensors.Tensor? bias, Size2 k, Size2 s, Size2 d, ConvPadding padding, int group, string className, string weightName = "kernel")
    {
        var (top, left, bottom, right) = Pads(inputShape, (k.Height - 1) * d.Height + 1, (k.Width - 1) * d.Width + 1, s.Height, s.Width, padding);
        var inputs = new List<string> { input, g.Weight($"{name}/{weightName}", kernel) };
        if (bias is not null) inputs.Add(g.Weight($"{name}/bias", bias));
        var y = g.Node("Conv", activation is null ? name : $"{name}/conv", inputs,
            OnnxAttribute.Ints("kernel_shape", k.Height, k.Width),
            OnnxAttribute.Ints("strides", s.Height, s.Width),
            OnnxAttribute.Ints("pads", top, left, bottom, right),
            OnnxAttribute.Ints("dilations", d.Height, d.Width),
            OnnxAttribute.Int("group", group));
        return ActivationExport.Apply(g, activation, y, name, name, className);
    }

    private static string Dense(OnnxGraphWriter g, LayerCall c, Dense l)
    {
        var kernel = g.Weight($"{l.Name}/kernel", l.Kernel!.Value);
        var bias = l.Bias is { } b ? g.Weight($"{l.Name}/bias", b.Value) : null;
        var name = l.Activation is null ? l.Name : $"{l.Name}/gemm";
        string y;
        if (c.InputShape.Length == 1)
            // Gemm: Y = A·B + C with B = kernel [in, units] as stored (no transpose).
            y = g.Node("Gemm", name, bias is null ? [c.Input, kernel] : [c.Input, kernel, bias]);
        else
        {
            // Dense on the last axis of a higher-rank input (as Keras): MatMul broadcasts over the leading axes.
            y = g.Node("MatMul", bias is null ? name : $"{l.Name}/matmul", [c.Input, kernel]);
            if (bias is not null) y = g.Node("Add", name, [y, bias]);
        }
        return ActivationExport.Apply(g, l.Activation, y, l.Name, l.Name, l.ClassName);
    }

    private static string BatchNorm(OnnxGraphWriter g, LayerCall c, BatchNormalization l)
    {
        // Inference form: the moving statistics, no training outputs.
        var channels = l.MovingMean!.Value.Size;
        var gamma = l.Gamma is { } gm ? g.Weight($"{l.Name}/gamma", gm.Value) : g.Constant($"{l.Name}/gamma", Filled(channels, 1), [channels]);
        var beta = l.Beta is { } bt ? g.Weight($"{l.Name}/beta", bt.Value) : g.Constant($"{l.Name}/beta", Filled(channels, 0), [channels]);
        return g.Node("BatchNormalization", l.Name,
            [c.Input, gamma, beta, g.Weight($"{l.Name}/moving_mean", l.MovingMean.Value), g.Weight($"{l.Name}/moving_variance", l.MovingVariance!.Value)],
            OnnxAttribute.Float("epsilon", (float)l.Epsilon), OnnxAttribute.Float("momentum", (float)l.Momentum));
    }

    private static string Pool(OnnxGraphWriter g, LayerCall c, string op, Pooling2D l)
    {
        var (top, left, bottom, right) = Pads(c.InputShape, l.PoolSize.Height, l.PoolSize.Width, l.Strides.Height, l.Strides.Width, l.Padding);
        var attributes = new List<OnnxAttribute>
        {
            OnnxAttribute.Ints("kernel_shape", l.PoolSize.Height, l.PoolSize.Width),
            OnnxAttribute.Ints("strides", l.Strides.Height, l.Strides.Width),
            OnnxAttribute.Ints("pads", top, left, bottom, right),
        };
        // Engine (like Keras) averages over the window's cells inside the image only.
        if (op == "AveragePool") attributes.Add(OnnxAttribute.Int("count_include_pad", 0));
        return g.Node(op, l.Name, [c.Input], [.. attributes]);
    }

    private static string Rescale(OnnxGraphWriter g, LayerCall c, Rescaling l)
    {
        var scaled = g.Node("Mul", l.Offset == 0 ? l.Name : $"{l.Name}/scale", [c.Input, g.Constant($"{l.Name}/scale_value", [(float)l.Scale], [])]);
        return l.Offset == 0 ? scaled : g.Node("Add", l.Name, [scaled, g.Constant($"{l.Name}/offset_value", [(float)l.Offset], [])]);
    }

    /// <summary>Explicit ONNX pads (top, left, bottom, right) for a padding on a known input size: 'same' puts the odd
    /// row/column at the bottom/right (TensorFlow's rule, which Engine follows).</summary>
    internal static (long Top, long Left, long Bottom, long Right) Pads(int[] inputShape, int kh, int kw, int sh, int sw, ConvPadding padding)
    {
        if (padding.IsExplicit) return (padding.Top, padding.Left, padding.Bottom, padding.Right);
        if (padding.Mode != "same") return (0, 0, 0, 0);
        static (long, long) Split(int n, int k, int s)
        {
            var outLength = (n + s - 1) / s;
            var total = Math.Max((outLength - 1) * s + k - n, 0);
            return (total / 2, total - total / 2);
        }
        var (top, bottom) = Split(inputShape[1], kh, sh);
        var (left, right) = Split(inputShape[2], kw, sw);
        return (top, left, bottom, right);
    }

    private static float[] Filled(int n, float v)
    {
        var a = new float[n];
        Array.Fill(a, v);
        return a;
    }
}
