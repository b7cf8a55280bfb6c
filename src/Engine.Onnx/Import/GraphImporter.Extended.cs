using Engine.Autograd;
using Engine.Layers;

namespace Engine.Onnx.Import;

/// <summary>Ops mapped onto the padding, grouped/dilated convolution, ReLU-family and reshape layers,
/// and scalar Add/Mul onto Rescaling.</summary>
internal sealed partial class GraphImporter
{
    private Layer CreateConv(NodeView node, int filters, (int H, int W) kernel, (int H, int W) strides, (int Top, int Bottom, int Left, int Right) pads,
        (int H, int W) dilations, int group, bool useBias, ImportedTensor x)
    {
        var s = x.Shape;
        ConvPadding padding = pads == (0, 0, 0, 0) ? ConvPadding.Valid
            : dilations == (1, 1) && IsKerasSame(pads, s[1], s[2], kernel.H, kernel.W, strides.H, strides.W) ? ConvPadding.Same
            : ConvPadding.Explicit(pads.Top, pads.Bottom, pads.Left, pads.Right);
        var layer = new Conv2D(filters, kernel, strides, padding, useBias: useBias, name: LayerName(node), dilationRate: dilations, groups: group);
        Emit(node, layer, x);
        return layer;
    }

    private static Variable? ConvKernel(Layer layer) => ((Conv2D)layer).Kernel;

    private static Variable? ConvBias(Layer layer) => ((Conv2D)layer).Bias;

    /// <summary>A ZeroPadding2D in front of a pooling node (named "{node}_pad").</summary>
    private ImportedTensor ZeroPad(NodeView node, ImportedTensor x, (int Top, int Bottom, int Left, int Right) pads)
    {
        var y = new ZeroPadding2D(((pads.Top, pads.Bottom), (pads.Left, pads.Right)), name: Reserve(node.Name + "_pad", "pad")).Apply(x.Symbol);
        return new ImportedTensor(y, y.Shape, x.NonNegative);
    }

    private void ClipExtended(NodeView node, ImportedTensor x, float min, float max)
    {
        if (min != 0 || !(max > 0))
            throw node.Error($"clips to [{min}, {max}]; only Clip(0, max) (ReLU / ReLU6) maps onto an Engine layer");
        Emit(node, new ReLU(maxValue: max, name: LayerName(node)), x, nonNegative: true);
    }

    private void ReshapeExtended(NodeView node, ImportedTensor x, long[] target)
    {
        // Per-sample target: the first entry must keep the batch (0 copies it; -1 or the file's batch).
        if (target.Length < 2 || target[0] is not (0 or -1 or 1) || target.Skip(1).Any(d => d < -1 || d > int.MaxValue))
            throw node.Error($"reshapes {Layer.WithBatch(x.OnnxShape)} to [{string.Join(", ", target)}]; only reshapes that keep the batch axis are supported");
        var sample = target.Skip(1).Select((d, i) => d == 0 ? (i < x.OnnxShape.Length ? x.OnnxShape[i] : throw node.Error("copies (0) an axis the input lacks")) : (int)d).ToArray();
        Emit(node, new Reshape(sample, name: LayerName(node)), x);
    }

    /// <summary>The scalar constant operand of a two-input Add/Mul, if it has one.</summary>
    private OnnxConstant? ScalarOperand(NodeView node)
    {
        if (node.Inputs.Count != 2) return null;
        var constants = node.Inputs.Where(_constants.ContainsKey).Select(n => _constants[n]).ToList();
        return constants.Count == 1 && constants[0].Count == 1 && constants[0].Floats is not null ? constants[0] : null;
    }

    private void ImportExtendedNode(NodeView node)
    {
        switch (node.Op)
        {
            case "Add" or "Mul" when ScalarOperand(node) is { } scalar:
                // x·s or x + s with a scalar constant (Engine's own Rescaling exports as these).
                var x = Tensor(node, node.Inputs.First(n => n != scalar.Name));
                var v = scalar.RequireFloats($"{node.Op} operand")[0];
                Emit(node, node.Op == "Mul" ? new Rescaling(v, 0, name: LayerName(node)) : new Rescaling(1, v, name: LayerName(node)), x,
                    x.OnnxShape, nonNegative: x.NonNegative && v >= 0);
                break;
            case "Add" or "Sum" or "Mul" or "Concat":
                Merge(node);
                break;
            case "LeakyRelu":
                Emit(node, new LeakyReLU(node.Float("alpha", 0.01f), name: LayerName(node)), Single(node));
                break;
            case "Elu":
                Emit(node, new ELU(node.Float("alpha", 1f), name: LayerName(node)), Single(node));
                break;
            case "GlobalMaxPool":
                var input = Single(node);
                Emit(node, new GlobalMaxPooling2D(name: LayerName(node)), input, [Spatial(input, node)[0], 1, 1], input.NonNegative);
                break;
            case "Pad":
                PadNode(node);
                break;
            default:
                throw Unsupported(node);
        }
    }

    /// <summary>Add/Sum/Mul/Concat of data tensors as Engine's merge layers (NumPy broadcasting in both).</summary>
    private void Merge(NodeView node)
    {
        var names = node.Inputs.Where(n => n.Length > 0).ToList();
        if (names.Count == 0) throw node.Error("has no inputs");
        var constant = names.FirstOrDefault(_constants.ContainsKey);
        if (constant is not null)
            throw node.Error($"combines a data tensor with the constant '{constant}' of shape [{string.Join(", ", _constants[constant].Dims)}]; only scalar constants (as Rescaling) are supported");
        var inputs = names.Select(n => Tensor(node, n)).ToList();
        if (inputs.Count == 1)
        {
            Bind(node, inputs[0]);
            return;
        }
        var squeezed = inputs.Any(t => !t.Shape.SequenceEqual(t.OnnxShape));
        if (squeezed && inputs.Select(t => string.Join(",", t.OnnxShape)).Distinct().Count() > 1)
            throw node.Error("combines pooled (N, C, 1, 1) tensors with tensors of another shape, which the importer does not support");
        Layer layer;
        switch (node.Op)
        {
            case "Concat":
                var rank = inputs[0].OnnxShape.Length + 1;
                var axis = node.Int("axis", node.Opset < 4 ? 1 : long.MinValue);
                if (axis == long.MinValue) throw node.Error("has no axis");
                if (axis < 0) axis += rank;
                if (axis <= 0 || axis >= rank) throw node.Error($"joins along axis {axis} of rank-{rank} tensors; only non-batch axes can be joined");
                if (squeezed && axis != 1) throw node.Error("joins pooled (N, C, 1, 1) tensors along a spatial axis");
                layer = new Concatenate((int)axis, name: LayerName(node));
                break;
            case "Mul":
                layer = new Multiply(name: LayerName(node));
                break;
            default:
                layer = new Add(name: LayerName(node));
                break;
        }
        SymbolicTensor y;
        try
        {
            y = layer.Apply(inputs.Select(t => t.Symbol).ToList());
        }
        catch (ArgumentException e)
        {
            throw node.Error($"cannot combine inputs of shapes {string.Join(", ", inputs.Select(t => Layer.WithBatch(t.OnnxShape)))}: {e.Message}");
        }
        var onnxShape = squeezed && node.Op == "Concat" ? [y.Shape[0], 1, 1] : squeezed ? inputs[0].OnnxShape : y.Shape;
        Bind(node, new ImportedTensor(y, onnxShape, inputs.All(t => t.NonNegative)));
    }

    private void PadNode(NodeView node)
    {
        var x = Single(node);
        Spatial(x, node);
        var mode = node.Str("mode", "constant");
        if (mode != "constant") throw node.Error($"pads in mode '{mode}'; only constant (zero) padding is supported");
        long[] pads;
        float value;
        if (node.Opset < 11)
        {
            pads = node.Ints("pads") ?? throw node.Error("has no pads");
            value = node.Float("value", 0f);
        }
        else
        {
            pads = Constant(node, node.Input(1), "pads").RequireInts("Pad pads");
            value = node.OptionalInput(2) is { } cv ? Constant(node, cv, "constant value").RequireFloats("Pad value") is [var f] ? f : throw node.Error("has a non-scalar constant value") : 0f;
            if (node.OptionalInput(3) is not null) throw node.Error("pads selected axes (the axes input); only all-axes pads are supported");
        }
        if (value != 0) throw node.Error($"pads with the value {value}; only zero padding is supported");
        if (pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads.Any(p => p < 0 || p > 1 << 20))
            throw node.Error($"has pads [{string.Join(", ", pads)}]; only non-negative padding of height and width of an (N, C, H, W) tensor is supported");
        var layer = new ZeroPadding2D((((int)pads[2], (int)pads[6]), ((int)pads[3], (int)pads[7])), name: LayerName(node));
        Emit(node, layer, x, nonNegative: x.NonNegative);
    }
}
