using System.Text;
using Onnx;
using Engine.Layers;
using Engine.Models;

namespace Engine.Onnx.Import;

/// <summary>An ONNX tensor while importing: the Engine symbolic tensor that carries it, its ONNX
/// per-sample shape (batch excluded; a GlobalAveragePool's [C, 1, 1] is (C) in Engine), and whether
/// its values are known to be ≥ 0 (after Relu), which makes zero padding exact before a max pool.</summary>
internal sealed record ImportedTensor(SymbolicTensor Symbol, int[] OnnxShape, bool NonNegative = false)
{
    public int[] Shape => Symbol.Shape;
}

/// <summary>Turns an ONNX graph into an Engine functional model, node by node (ONNX lists nodes in
/// topological order). Each node becomes one Engine layer named after it; weights come from the
/// initializers and are copied in once the model is assembled.</summary>
internal sealed partial class GraphImporter
{
    private readonly ModelProto _model;
    private readonly string _source;
    private readonly string? _directory;
    private readonly int _opset;
    private readonly Dictionary<string, ImportedTensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxConstant> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _layerNames = new(StringComparer.Ordinal);
    private readonly List<Action> _assignments = [];

    public GraphImporter(ModelProto model, string source, string? directory)
    {
        _model = model;
        _source = source;
        _directory = directory;
        _opset = OnnxFile.Opset(model, source);
    }

    public Model Import(OnnxImportOptions options)
    {
        var graph = _model.Graph;
        foreach (var t in graph.Initializer) _constants[t.Name] = OnnxTensorReader.Read(t, _directory);

        var inputs = graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new OnnxImportException($"{_source} has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => i.Name))}); Engine models take exactly one.");
        var input = CreateInput(inputs[0], options);

        string? stoppedAt = null;
        foreach (var node in graph.Node)
        {
            var view = new NodeView(node, _opset);
            if (node.Domain is not ("" or "ai.onnx"))
                throw view.Error($"is in the op domain '{node.Domain}', which the importer does not support (only the default ONNX domain)");
            ImportNode(view);
            if (options.StopAt is { } stop && (node.Name == stop || node.Output.Contains(stop)))
            {
                stoppedAt = node.Output[0];
                break;
            }
        }
        if (options.StopAt is not null && stoppedAt is null)
            throw new OnnxImportException($"{_source} has no node or tensor named '{options.StopAt}' (OnnxImportOptions.StopAt).");

        var outputs = new Dictionary<string, SymbolicTensor>(StringComparer.Ordinal);
        foreach (var o in stoppedAt is null ? graph.Output : [new ValueInfoProto { Name = stoppedAt }])
        {
            if (!_tensors.TryGetValue(o.Name, out var t))
                throw new OnnxImportException($"{_source}: graph output '{o.Name}' is not produced by any node (or is a constant).");
            if (ReferenceEquals(t.Symbol, input.Output))
                throw new OnnxImportException($"{_source}: graph output '{o.Name}' is the input itself; there is nothing to import.");
            outputs[o.Name] = t.Symbol;
        }
        if (outputs.Count == 0) throw new OnnxImportException($"{_source} declares no graph outputs.");

        var name = SanitizeName(string.IsNullOrEmpty(graph.Name) ? "onnx_model" : graph.Name, "onnx_model");
        var model = new Model(input, outputs, name);
        if (options.LoadWeights)
            foreach (var assign in _assignments) assign();
        return model;
    }

    private Input CreateInput(ValueInfoProto info, OnnxImportOptions options)
    {
        var dims = info.Type?.TensorType?.Shape?.Dim;
        if (info.Type?.TensorType is { } tt && tt.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new OnnxImportException($"{_source}: input '{info.Name}' has element type {(TensorProto.Types.DataType)tt.ElemType}; Engine models take float32 inputs.");
        int[] shape;
        if (options.InputShape is { } given) shape = given.ToArray();
        else
        {
            if (dims is null || dims.Count < 2)
                throw new OnnxImportException($"{_source}: input '{info.Name}' has no declared shape (or rank < 2); pass OnnxImportOptions.InputShape, e.g. [3, 224, 224].");
            var sample = dims.Skip(1).ToArray();
            if (sample.Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0 || d.DimValue > int.MaxValue))
                throw new OnnxImportException($"{_source}: input '{info.Name}' has a symbolic or invalid per-sample dimension ({string.Join(", ", dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue.ToString() : d.DimParam))}); pass OnnxImportOptions.InputShape.");
            shape = sample.Select(d => (int)d.DimValue).ToArray();
        }
        var input = new Input(shape, Reserve(info.Name, "input"));
        _tensors[info.Name] = new ImportedTensor(input.Output, shape);
        return input;
    }

    private ImportedTensor Tensor(NodeView node, string name) =>
        _tensors.TryGetValue(name, out var t) ? t
        : _constants.ContainsKey(name) ? throw node.Error($"takes the constant '{name}' where the importer expects a data tensor (computing on constants is not supported)")
        : throw node.Error($"reads the tensor '{name}', which no earlier node produces (the graph is not in topological order, or the name is wrong)");

    private OnnxConstant Constant(NodeView node, string name, string use) =>
        _constants.TryGetValue(name, out var c) ? c
        : throw node.Error($"needs its {use} '{name}' as a constant (initializer); computed {use}s are not supported");

    /// <summary>Applies <paramref name="layer"/> and registers the node's first output.</summary>
    private ImportedTensor Emit(NodeView node, Layer layer, ImportedTensor input, int[]? onnxShape = null, bool nonNegative = false)
    {
        SymbolicTensor y;
        try
        {
            y = layer.Apply(input.Symbol);
        }
        catch (ArgumentException e)
        {
            throw node.Error($"cannot be applied to its input of shape {Layer.WithBatch(input.OnnxShape)}: {e.Message}");
        }
        return Bind(node, new ImportedTensor(y, onnxShape ?? y.Shape, nonNegative));
    }

    private ImportedTensor Bind(NodeView node, ImportedTensor t)
    {
        if (node.Proto.Output.Count == 0) throw node.Error("has no output");
        _tensors[node.Proto.Output[0]] = t;
        return t;
    }

    /// <summary>A layer name from the node's name: invalid characters become '_', unique in the model.</summary>
    private string LayerName(NodeView node) => Reserve(string.IsNullOrEmpty(node.Proto.Name) ? node.Proto.Output.FirstOrDefault() ?? node.Op : node.Proto.Name, Layer.ToSnakeCase(node.Op));

    private string Reserve(string wanted, string fallback)
    {
        var name = SanitizeName(wanted, fallback);
        var unique = name;
        for (var k = 1; !_layerNames.Add(unique); k++) unique = $"{name}_{k}";
        return unique;
    }

    private static string SanitizeName(string wanted, string fallback)
    {
        var s = new StringBuilder();
        foreach (var ch in wanted) s.Append(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.' ? ch : '_');
        if (s.Length == 0) s.Append(fallback);
        if (!(char.IsAsciiLetter(s[0]) || s[0] == '_')) s.Insert(0, '_');
        return s.ToString();
    }

    /// <summary>Copies an initializer into a weight once the model exists (shapes checked then).</summary>
    private void AssignLater(Func<Variable?> weight, float[] values, int[] shape)
    {
        _assignments.Add(() =>
        {
            var v = weight() ?? throw new InvalidOperationException("An imported layer has no weight to receive an initializer.");
            using var t = Engine.Tensors.Tensor.FromArray(values, shape);
            v.Assign(t);
        });
    }
}
