using Engine.Autograd;
using Engine.Layers;

namespace Engine.Onnx.Export;

/// <summary>The ONNX form of the padding, cropping, depthwise/separable convolution, ReLU-family,
/// global max pooling, upsampling and reshaping layers.</summary>
internal static class ShapeAndConvLayerExports
{
    public static void RegisterAll(Dictionary<Type, Func<OnnxGraphWriter, LayerCall, string>> table)
    {
        table[typeof(DepthwiseConv2D)] = (g, c) =>
        {
            var l = (DepthwiseConv2D)c.Layer;
            // A grouped Conv with one group per input channel; Engine's kernel is already [C·M, 1, kh, kw].
            return BuiltinLayerExports.ConvNode(g, c.Input, c.InputShape, l.Name, l.Activation, l.DepthwiseKernel!.Value, l.Bias?.Value,
                l.KernelSize, l.Strides, l.DilationRate, l.Padding, c.InputShape[0], l.ClassName, "depthwise_kernel");
        };
        table[typeof(SeparableConv2D)] = (g, c) =>
        {
            var l = (SeparableConv2D)c.Layer;
            var depthwise = BuiltinLayerExports.ConvNode(g, c.Input, c.InputShape, $"{l.Name}/depthwise", null, l.DepthwiseKernel!.Value, null,
                l.KernelSize, l.Strides, l.DilationRate, l.Padding, c.InputShape[0], l.ClassName, "kernel");
            var mid = c.InputShape[0] * l.DepthwiseMultiplierOr1();
            return BuiltinLayerExports.ConvNode(g, depthwise, [mid, c.OutputShape[1], c.OutputShape[2]], l.Name, l.Activation, l.PointwiseKernel!.Value, l.Bias?.Value,
                1, 1, 1, ConvPadding.Valid, 1, l.ClassName, "pointwise_kernel");
        };
        table[typeof(ZeroPadding2D)] = (g, c) =>
        {
            var p = ((ZeroPadding2D)c.Layer).Padding;
            return g.Node("Pad", c.Layer.Name, [c.Input, g.Int64Constant($"{c.Layer.Name}/pads", [0, 0, p.Top, p.Left, 0, 0, p.Bottom, p.Right])],
                OnnxAttribute.String("mode", "constant"));
        };
        table[typeof(Cropping2D)] = (g, c) =>
        {
            var p = ((Cropping2D)c.Layer).Cropping;
            var (h, w) = (c.InputShape[1], c.InputShape[2]);
            return g.Node("Slice", c.Layer.Name,
                [c.Input, g.Int64Constant($"{c.Layer.Name}/starts", [p.Top, p.Left]), g.Int64Constant($"{c.Layer.Name}/ends", [h - p.Bottom, w - p.Right]),
                 g.Int64Constant($"{c.Layer.Name}/axes", [2, 3])]);
        };
        table[typeof(ReLU)] = (g, c) => Relu(g, c, (ReLU)c.Layer);
        table[typeof(LeakyReLU)] = (g, c) => g.Node("LeakyRelu", c.Layer.Name, [c.Input], OnnxAttribute.Float("alpha", (float)((LeakyReLU)c.Layer).NegativeSlope));
        table[typeof(ELU)] = (g, c) => g.Node("Elu", c.Layer.Name, [c.Input], OnnxAttribute.Float("alpha", (float)((ELU)c.Layer).Alpha));
        table[typeof(GlobalMaxPooling2D)] = (g, c) =>
            g.Node("Flatten", c.Layer.Name, [g.Node("GlobalMaxPool", $"{c.Layer.Name}/global_max_pool", [c.Input])], OnnxAttribute.Int("axis", 1));
        table[typeof(UpSampling2D)] = (g, c) =>
        {
            var l = (UpSampling2D)c.Layer;
            if (l.Interpolation != "nearest")
                throw new OnnxExportException($"Layer '{l.Name}' (UpSampling2D) cannot be exported to ONNX with interpolation '{l.Interpolation}'; only 'nearest' is.");
            // Integer nearest upsampling: each output pixel reads input floor(i / size) ("asymmetric" + "floor").
            return g.Node("Resize", l.Name, [c.Input, "", g.Constant($"{l.Name}/scales", [1, 1, l.Size.Height, l.Size.Width], [4])],
                OnnxAttribute.String("mode", "nearest"), OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
                OnnxAttribute.String("nearest_mode", "floor"));
        };
        table[typeof(Reshape)] = (g, c) =>
            g.Node("Reshape", c.Layer.Name, [c.Input, g.Int64Constant($"{c.Layer.Name}/shape", [0, .. c.OutputShape.Select(d => (long)d)])]);
        table[typeof(Permute)] = (g, c) =>
            g.Node("Transpose", c.Layer.Name, [c.Input], OnnxAttribute.Ints("perm", [0, .. ((Permute)c.Layer).Dims.Select(d => (long)d)]));
    }

    private static int DepthwiseMultiplierOr1(this SeparableConv2D l) => l.DepthMultiplier;

    /// <summary>Keras's ReLU(max_value, negative_slope, threshold): plain, clipped (ReLU6), leaky, or the general form.</summary>
    private static string Relu(OnnxGraphWriter g, LayerCall c, ReLU l)
    {
        var name = l.Name;
        if (l.Threshold == 0 && l.NegativeSlope == 0)
            return l.MaxValue is { } max
                ? g.Node("Clip", name, [c.Input, g.Constant($"{name}/min", [0f], []), g.Constant($"{name}/max", [(float)max], [])])
                : g.Node("Relu", name, [c.Input]);
        if (l.Threshold == 0 && l.MaxValue is null)
            return g.Node("LeakyRelu", name, [c.Input], OnnxAttribute.Float("alpha", (float)l.NegativeSlope));
        // General: x ≥ threshold ? x : slope·(x − threshold), then at most max_value.
        var threshold = g.Constant($"{name}/threshold", [(float)l.Threshold], []);
        var below = g.Node("Mul", $"{name}/below", [g.Node("Sub", $"{name}/shifted", [c.Input, threshold]), g.Constant($"{name}/slope", [(float)l.NegativeSlope], [])]);
        var keep = g.Node("Not", $"{name}/keep", [g.Node("Less", $"{name}/is_below", [c.Input, threshold])]);
        var y = g.Node("Where", l.MaxValue is null ? name : $"{name}/where", [keep, c.Input, below]);
        return l.MaxValue is { } m ? g.Node("Min", name, [y, g.Constant($"{name}/max", [(float)m], [])]) : y;
    }
}
