using Engine.Autograd;
using Engine.Layers;

namespace Engine.Onnx.Import;

/// <summary>The op table: each supported ONNX op becomes an Engine layer (or nothing, for Identity,
/// Dropout and no-op reshapes).</summary>
internal sealed partial class GraphImporter
{
    public static readonly IReadOnlyList<string> SupportedOps =
    [
        "Conv", "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
        "Add", "Sum", "Mul", "Concat", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul",
        "Flatten", "Reshape", "Dropout", "Identity", "Pad", "Constant", "Elu", "GlobalMaxPool",
    ];

    private void ImportNode(NodeView node)
    {
        switch (node.Op)
        {
            case "Conv": Conv(node); break;
            case "BatchNormalization": BatchNorm(node); break;
            case "Relu": Emit(node, new Activation("relu", name: LayerName(node)), Single(node), nonNegative: true); break;
            case "Sigmoid": Emit(node, new Activation("sigmoid", name: LayerName(node)), Single(node), nonNegative: true); break;
            case "Tanh": Emit(node, new Activation("tanh", name: LayerName(node)), Single(node)); break;
            case "Softmax": SoftmaxLike(node, "softmax"); break;
            case "LogSoftmax": SoftmaxLike(node, "log_softmax"); break;
            case "Clip": Clip(node); break;
            case "MaxPool": Pool(node, max: true); break;
            case "AveragePool": Pool(node, max: false); break;
            case "GlobalAveragePool": GlobalAveragePool(node); break;
            case "Gemm": Gemm(node); break;
            case "MatMul": MatMul(node); break;
            case "Flatten": FlattenNode(node); break;
            case "Reshape": ReshapeNode(node); break;
            case "Dropout":
                if (node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0 && IsUsed(node.Proto.Output[1]))
                    throw node.Error("uses its mask output, which has no inference-time meaning");
                Bind(node, Single(node));
                break;
            case "Identity": Bind(node, Single(node)); break;
            case "Constant": ConstantNode(node); break;
            default: ImportExtendedNode(node); break;
        }
    }

    private bool IsUsed(string tensor) =>
        _model.Graph.Node.Any(n => n.Input.Contains(tensor)) || _model.Graph.Output.Any(o => o.Name == tensor);

    private ImportedTensor Single(NodeView node) => Tensor(node, node.Input(0));

    private OnnxImportException Unsupported(NodeView node) => new(
        $"ONNX op '{node.Op}' (node '{node.Name}', opset {node.Opset}) is not supported by the importer. Supported ops: {string.Join(", ", SupportedOps)}.");

    private static int[] Spatial(ImportedTensor x, NodeView node) => x.Shape.Length == 3 ? x.Shape
        : throw node.Error($"expects an image tensor (N, C, H, W); its input has shape {Layer.WithBatch(x.OnnxShape)}");

    private void ConstantNode(NodeView node)
    {
        var value = node.Proto.Attribute.FirstOrDefault(a => a.Name == "value")
            ?? throw node.Error("has no 'value' tensor attribute (value_float/value_ints forms are not supported)");
        var c = OnnxTensorReader.Read(value.T, _directory);
        _constants[node.Proto.Output[0]] = c with { Name = node.Proto.Output[0] };
    }

    // ---- convolution and normalization -------------------------------------------------------

    private void Conv(NodeView node)
    {
        var x = Single(node);
        var (c, h, w) = Spatial(x, node) is var s ? (s[0], s[1], s[2]) : default;
        var weight = Constant(node, node.Input(1), "weight");
        if (weight.Dims.Length != 4) throw node.Error($"has a weight of rank {weight.Dims.Length}; only 2-D convolutions (rank-4 weights) are supported");
        var (filters, perGroup, kh, kw) = ((int)weight.Dims[0], (int)weight.Dims[1], (int)weight.Dims[2], (int)weight.Dims[3]);
        var group = (int)node.Int("group", 1);
        if (group <= 0 || c != perGroup * group)
            throw node.Error($"has group={group} and a weight for {perGroup} channels per group, but its input has {c} channels");
        var strides = node.Ints("strides") ?? [1, 1];
        var dilations = node.Ints("dilations") ?? [1, 1];
        if (strides.Length != 2 || dilations.Length != 2 || strides.Any(v => v <= 0 || v > int.MaxValue) || dilations.Any(v => v <= 0 || v > int.MaxValue))
            throw node.Error($"has strides [{string.Join(", ", strides)}] / dilations [{string.Join(", ", dilations)}]; expected two positive values each");
        if (node.Ints("kernel_shape") is { } ks && (ks.Length != 2 || ks[0] != kh || ks[1] != kw))
            throw node.Error($"declares kernel_shape [{string.Join(", ", ks)}] but its weight is {kh}x{kw}");
        var pads = Pads(node, h, w, kh, kw, (int)strides[0], (int)strides[1], (int)dilations[0], (int)dilations[1]);
        var bias = node.OptionalInput(2) is { } b ? Constant(node, b, "bias").RequireFloats("Conv bias") : null;
        if (bias is not null && bias.Length != filters) throw node.Error($"has a bias of {bias.Length} values for {filters} filters");
        var layer = CreateConv(node, filters, (kh, kw), ((int)strides[0], (int)strides[1]), pads, ((int)dilations[0], (int)dilations[1]), group, bias is not null, x);
        AssignLater(() => ConvKernel(layer), weight.RequireFloats("Conv weight"), [filters, perGroup, kh, kw]);
        if (bias is not null) AssignLater(() => ConvBias(layer), bias, [filters]);
    }

    /// <summary>(top, bottom, left, right) from pads or auto_pad, for the input's known size.</summary>
    private static (int Top, int Bottom, int Left, int Right) Pads(NodeView node, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw)
    {
        var autoPad = node.Str("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                var p = node.Ints("pads") ?? [0, 0, 0, 0];
                if (p.Length != 4 || p.Any(v => v < 0 || v > 1 << 20)) throw node.Error($"has pads [{string.Join(", ", p)}]; expected four non-negative values (top, left, bottom, right)");
                return ((int)p[0], (int)p[2], (int)p[1], (int)p[3]);
            case "VALID":
                return (0, 0, 0, 0);
            case "SAME_UPPER" or "SAME_LOWER":
                var (t, bt) = SamePads(h, (kh - 1) * dh + 1, sh, upper: autoPad == "SAME_UPPER");
                var (l, r) = SamePads(w, (kw - 1) * dw + 1, sw, upper: autoPad == "SAME_UPPER");
                return (t, bt, l, r);
            default:
                throw node.Error($"has auto_pad '{autoPad}'; expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
        }
    }

    private static (int Before, int After) SamePads(int n, int k, int s, bool upper)
    {
        var total = Math.Max(((n + s - 1) / s - 1) * s + k - n, 0);
        var small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }

    /// <summary>Keras's 'same' for this size, if the explicit pads equal it.</summary>
    private static bool IsKerasSame((int Top, int Bottom, int Left, int Right) p, int h, int w, int kh, int kw, int sh, int sw) =>
        SamePads(h, kh, sh, upper: true) == (p.Top, p.Bottom) && SamePads(w, kw, sw, upper: true) == (p.Left, p.Right);

    private void BatchNorm(NodeView node)
    {
        var x = Single(node);
        if (x.Shape.Length is not (1 or 3)) throw node.Error($"normalizes an input of shape {Layer.WithBatch(x.OnnxShape)}; expected (N, C) or (N, C, H, W)");
        if (node.Opset < 9 && node.Int("spatial", 1) != 1) throw node.Error("has spatial=0 (per-element statistics), which Engine's BatchNormalization does not have");
        if (node.Proto.Output.Skip(1).Any(o => o.Length > 0 && IsUsed(o))) throw node.Error("uses its training outputs (running mean/variance); only the inference form is supported");
        var channels = x.Shape[0];
        float[] Param(int i, string what)
        {
            var v = Constant(node, node.Input(i), what).RequireFloats($"BatchNormalization {what}");
            return v.Length == channels ? v : throw node.Error($"has a {what} of {v.Length} values for {channels} channels");
        }
        var (scale, bias, mean, variance) = (Param(1, "scale"), Param(2, "bias"), Param(3, "mean"), Param(4, "variance"));
        var epsilon = node.Float("epsilon", 1e-5f);
        var momentum = node.Float("momentum", 0.9f);
        if (!(epsilon > 0)) throw node.Error($"has epsilon {epsilon}; expected a positive value");
        var layer = new BatchNormalization(momentum is >= 0 and <= 1 ? momentum : 0.9, epsilon, name: LayerName(node));
        Emit(node, layer, x, x.OnnxShape);
        AssignLater(() => layer.Gamma, scale, [channels]);
        AssignLater(() => layer.Beta, bias, [channels]);
        AssignLater(() => layer.MovingMean, mean, [channels]);
        AssignLater(() => layer.MovingVariance, variance, [channels]);
    }

    // ---- activations -------------------------------------------------------------------------

    private void SoftmaxLike(NodeView node, string function)
    {
        var x = Single(node);
        var rank = x.OnnxShape.Length + 1;
        var axis = node.Int("axis", node.Opset >= 13 ? -1 : 1);
        if (axis < 0) axis += rank;
        // Before opset 13 the op flattened from `axis` on; on the last axis both definitions agree.
        if (axis != rank - 1 || x.Shape.Length != x.OnnxShape.Length)
            throw node.Error($"normalizes along axis {axis} of a rank-{rank} tensor; only the last axis is supported");
        Emit(node, new Activation(function, name: LayerName(node)), x);
    }

    private void Clip(NodeView node)
    {
        var x = Single(node);
        float min, max;
        if (node.Opset < 11) (min, max) = (node.Float("min", float.NegativeInfinity), node.Float("max", float.PositiveInfinity));
        else
        {
            float Bound(int i, float fallback) => node.OptionalInput(i) is { } n
                ? Constant(node, n, i == 1 ? "min" : "max").RequireFloats("Clip bound") is [var v] ? v : throw node.Error("has a non-scalar bound")
                : fallback;
            (min, max) = (Bound(1, float.NegativeInfinity), Bound(2, float.PositiveInfinity));
        }
        if (min == 0 && float.IsPositiveInfinity(max))
        {
            Emit(node, new Activation("relu", name: LayerName(node)), x, nonNegative: true);
            return;
        }
        ClipExtended(node, x, min, max);
    }

    // ---- pooling -----------------------------------------------------------------------------

    private void Pool(NodeView node, bool max)
    {
        var x = Single(node);
        var s = Spatial(x, node);
        var ks = node.Ints("kernel_shape") ?? throw node.Error("has no kernel_shape");
        var strides = node.Ints("strides") ?? [1, 1];
        if (ks.Length != 2 || strides.Length != 2 || ks.Any(v => v <= 0 || v > int.MaxValue) || strides.Any(v => v <= 0 || v > int.MaxValue))
            throw node.Error($"has kernel_shape [{string.Join(", ", ks)}] / strides [{string.Join(", ", strides)}]; expected two positive values each");
        if ((node.Ints("dilations") ?? [1, 1]).Any(d => d != 1)) throw node.Error("has dilations other than 1, which Engine's pooling layers do not have");
        if (node.Int("ceil_mode", 0) != 0) throw node.Error("has ceil_mode=1, which Engine's pooling layers do not have");
        if (max && node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0 && IsUsed(node.Proto.Output[1]))
            throw node.Error("uses its Indices output, which the importer does not support");
        var (kh, kw, sh, sw) = ((int)ks[0], (int)ks[1], (int)strides[0], (int)strides[1]);
        var pads = Pads(node, s[1], s[2], kh, kw, sh, sw, 1, 1);
        var countPads = !max && node.Int("count_include_pad", 0) != 0;
        string padding;
        if (pads == (0, 0, 0, 0)) padding = "valid";
        else if (!countPads && IsKerasSame(pads, s[1], s[2], kh, kw, sh, sw)) padding = "same";
        else if ((max && x.NonNegative) || countPads)
        {
            // Zeros are exact here: a max over values ≥ 0 never picks a padding zero that matters,
            // and count_include_pad=1 averages the zeros in.
            x = ZeroPad(node, x, pads);
            padding = "valid";
        }
        else throw node.Error($"pads the input by {pads} in a way Engine's pooling cannot ('valid', Keras 'same', or zero padding before a max pool over non-negative values)");
        Layer layer = max
            ? new MaxPooling2D((kh, kw), (sh, sw), padding, name: LayerName(node))
            : new AveragePooling2D((kh, kw), (sh, sw), padding, name: LayerName(node));
        Emit(node, layer, x, nonNegative: x.NonNegative);
    }

    private void GlobalAveragePool(NodeView node)
    {
        var x = Single(node);
        var s = Spatial(x, node);
        // Engine's layer drops the 1x1 spatial axes; the ONNX shape keeps them for later nodes.
        Emit(node, new GlobalAveragePooling2D(name: LayerName(node)), x, [s[0], 1, 1], x.NonNegative);
    }

    // ---- dense and reshaping -----------------------------------------------------------------

    private void Gemm(NodeView node)
    {
        var x = Single(node);
        if (x.Shape.Length != 1) throw node.Error($"multiplies an input of shape {Layer.WithBatch(x.OnnxShape)}; expected (N, K)");
        if (node.Int("transA", 0) != 0) throw node.Error("has transA=1 (the batch is on the second axis), which the importer does not support");
        var b = Constant(node, node.Input(1), "B");
        if (b.Dims.Length != 2) throw node.Error($"has a B of rank {b.Dims.Length}; expected a matrix");
        var transB = node.Int("transB", 0) != 0;
        var (k, units) = transB ? ((int)b.Dims[1], (int)b.Dims[0]) : ((int)b.Dims[0], (int)b.Dims[1]);
        if (k != x.Shape[0]) throw node.Error($"multiplies {x.Shape[0]} input features by a B for {k}");
        var alpha = node.Float("alpha", 1f);
        var beta = node.Float("beta", 1f);
        var values = b.RequireFloats("Gemm B");
        var kernel = new float[k * units];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < units; j++)
                kernel[i * units + j] = alpha * (transB ? values[j * k + i] : values[i * units + j]);
        float[]? bias = null;
        if (node.OptionalInput(2) is { } cName)
        {
            var c = Constant(node, cName, "C").RequireFloats("Gemm C");
            bias = c.Length == units ? c.Select(v => beta * v).ToArray()
                : c.Length == 1 ? Enumerable.Repeat(beta * c[0], units).ToArray()
                : throw node.Error($"has a C of {c.Length} values for {units} outputs (per-row C is not supported)");
        }
        Dense(node, x, kernel, bias, k, units);
    }

    private void MatMul(NodeView node)
    {
        var x = Single(node);
        var b = Constant(node, node.Input(1), "B");
        if (x.Shape.Length != 1 || b.Dims.Length != 2 || b.Dims[0] != x.Shape[0])
            throw node.Error($"multiplies {Layer.WithBatch(x.OnnxShape)} by a [{string.Join(", ", b.Dims)}] constant; only (N, K)·[K, M] is supported");
        Dense(node, x, b.RequireFloats("MatMul B"), null, (int)b.Dims[0], (int)b.Dims[1]);
    }

    private void Dense(NodeView node, ImportedTensor x, float[] kernel, float[]? bias, int k, int units)
    {
        var layer = new Dense(units, useBias: bias is not null, name: LayerName(node));
        Emit(node, layer, x);
        AssignLater(() => layer.Kernel, kernel, [k, units]);
        if (bias is not null) AssignLater(() => layer.Bias, bias, [units]);
    }

    private void FlattenNode(NodeView node)
    {
        var x = Single(node);
        var axis = node.Int("axis", 1);
        if (axis < 0) axis += x.OnnxShape.Length + 1;
        if (axis != 1) throw node.Error($"flattens from axis {axis}; only axis 1 (keep the batch) is supported");
        Flat(node, x);
    }

    /// <summary>(N, …) → (N, prod(…)): no layer when Engine's tensor is already flat.</summary>
    private void Flat(NodeView node, ImportedTensor x)
    {
        if (x.Shape.Length == 1) Bind(node, x with { OnnxShape = [x.Shape[0]] });
        else Emit(node, new Flatten(name: LayerName(node)), x);
    }

    private void ReshapeNode(NodeView node)
    {
        var x = Single(node);
        long[] target = node.Opset < 5 ? node.Ints("shape") ?? [] : Constant(node, node.Input(1), "shape").RequireInts("Reshape shape");
        var size = x.OnnxShape.Aggregate(1L, (a, d) => a * d);
        // Keep the batch: the first entry is 0 (copy), -1 or the batch itself; the rest one flat axis.
        if (target.Length == 2 && (target[1] == size || (target[1] == -1 && target[0] is 0 or -1 or 1) || (target[1] == 0 && x.OnnxShape.Length == 1)))
        {
            Flat(node, x);
            return;
        }
        ReshapeExtended(node, x, target);
    }
}
