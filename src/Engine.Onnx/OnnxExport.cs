using System.Text.Json;
using Google.Protobuf;
using Onnx;
using Engine.Layers;
using Engine.Models;
using Engine.Onnx.Export;
using Engine.Serialization;

namespace Engine.Onnx;

/// <summary>Writes an Engine model as an ONNX file that ONNX Runtime, ML.NET (OnnxTransformer) and
/// the other ONNX consumers run: <c>model.ExportOnnx("model.onnx")</c>, the counterpart of PyTorch's
/// torch.onnx.export and Keras's tf2onnx. Inference form: BatchNormalization uses the moving
/// statistics, Dropout is dropped; the batch dimension is dynamic; every layer keeps its name (node
/// and output tensor); the outputs are the model's outputs by name.
/// Opset <see cref="Opset"/> (13): the first opset whose Softmax/LogSoftmax normalize along one axis
/// as Keras's and Engine's do, and one that every runtime in use reads (ONNX Runtime ≥ 1.6, ML.NET,
/// TensorRT, OpenVINO, the onnx 1.8+ checker).</summary>
public static class OnnxExport
{
    public const int Opset = 13;

    /// <summary>IR version 7 is the one that goes with opset 13.</summary>
    public const long IrVersion = 7;

    private static readonly Dictionary<Type, Func<OnnxGraphWriter, LayerCall, string>> Exporters = CreateTable();

    private static Dictionary<Type, Func<OnnxGraphWriter, LayerCall, string>> CreateTable()
    {
        var table = new Dictionary<Type, Func<OnnxGraphWriter, LayerCall, string>>();
        BuiltinLayerExports.RegisterAll(table);
        return table;
    }

    /// <summary>Teaches the exporter a layer type of your own: <paramref name="export"/> adds the
    /// nodes for one call and returns the name of the tensor holding the layer's output.</summary>
    public static void Register<TLayer>(Func<OnnxGraphWriter, LayerCall, string> export) where TLayer : Layer
    {
        ArgumentNullException.ThrowIfNull(export);
        lock (Exporters) Exporters[typeof(TLayer)] = export;
    }

    /// <summary>Layer types the exporter knows.</summary>
    public static IReadOnlyCollection<string> ExportableLayers
    {
        get { lock (Exporters) return Exporters.Keys.Select(t => t.Name).Order().ToArray(); }
    }

    /// <summary>Writes the model to <paramref name="path"/> (atomically: an existing file is replaced
    /// only once the new one is complete).</summary>
    public static void ExportOnnx(this Model model, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var proto = model.ToOnnx(options);
        AtomicFile.Write(path, s => proto.WriteTo(s));
    }

    /// <summary>The ONNX model in memory (serialize with <c>ToByteArray()</c>).</summary>
    public static ModelProto ToOnnx(this Model model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        if (!model.Built)
            throw new OnnxExportException($"Model '{model.Name}' has not been built, so its input shape and weights are unknown; build it (an Input, inputShape:, Build, or one Predict) before exporting.");

        var graph = new GraphProto { Name = model.Name };
        var g = new OnnxGraphWriter(graph);
        var inputs = new List<string>();
        for (var k = 0; k < model.InputShapes!.Count; k++)
        {
            var layerShape = model.InputShapes[k];
            var declared = k < model.Inputs.Count ? model.Inputs[k] : null;
            var name = k == 0 && options.InputName is { } given ? given : declared?.Name ?? (k == 0 ? "input" : $"input_{k}");
            if (declared is { InputDType: not Engine.Tensors.DType.Float32 })
                throw new OnnxExportException($"Input '{name}' has element type {declared.InputDType}; the exporter writes float32 inputs only.");
            g.Reserve(name);
            if (declared is { IsChannelsLast: true })
            {
                // The model takes (N, H, W, C) and transposes it to Engine's NCHW first, as Run does.
                graph.Input.Add(ValueInfo(name, options.BatchDimension, declared.Shape));
                var rank = declared.Shape.Length + 1;
                inputs.Add(g.Node("Transpose", $"{name}/to_channels_first", [name],
                    OnnxAttribute.Ints("perm", [0, rank - 1, .. Enumerable.Range(1, rank - 2).Select(d => (long)d)])));
            }
            else
            {
                graph.Input.Add(ValueInfo(name, options.BatchDimension, layerShape));
                inputs.Add(name);
            }
        }

        var outputs = ExportGraph(g, model, inputs);
        foreach (var (name, index) in model.OutputNodes)
        {
            var tensor = outputs[name];
            // The graph output carries the model's output name; an Identity renames when the layer's
            // tensor has another name (a head named differently, or a Dropout ending the model).
            if (tensor != name)
            {
                g.Reserve(name);
                graph.Node.Add(new NodeProto { OpType = "Identity", Name = name, Input = { tensor }, Output = { name } });
            }
            graph.Output.Add(ValueInfo(name, options.BatchDimension, model.Nodes[index].OutputShape));
        }

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Engine",
            ProducerVersion = typeof(Model).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
            DocString = $"Engine model '{model.Name}' ({model.GetType().Name}), exported for inference.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (k, v) in Metadata(model, options)) proto.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return proto;
    }

    /// <summary>Adds the nodes of <paramref name="model"/> reading the given input tensors (in the
    /// model's input order) and returns the tensor of each output by output name. A nested model
    /// (Model.AsLayer) is inlined: its layers become nodes of this graph.</summary>
    private static Dictionary<string, string> ExportGraph(OnnxGraphWriter g, Model model, IReadOnlyList<string> inputs)
    {
        var nodes = model.Nodes;
        var tensorOf = new string[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var names = node.Parents.Select(p => p < 0 ? inputs[-1 - p] : tensorOf[p]).ToList();
            var shapes = node.Parents.Select(p => p < 0 ? model.InputShapes![-1 - p] : nodes[p].OutputShape).ToList();
            tensorOf[i] = node.Layer is NestedModel nested
                ? ExportGraph(g, nested.Model, names).Values.Single()
                : ExportLayer(g, new LayerCall(node.Layer, names, shapes, node.OutputShape));
        }
        return model.OutputNodes.ToDictionary(o => o.Name, o => tensorOf[o.Node]);
    }

    private static string ExportLayer(OnnxGraphWriter g, LayerCall call)
    {
        Func<OnnxGraphWriter, LayerCall, string>? export;
        lock (Exporters) Exporters.TryGetValue(call.Layer.GetType(), out export);
        if (export is null)
            throw new OnnxExportException(
                $"Layer '{call.Layer.Name}' ({call.Layer.ClassName}) cannot be exported to ONNX: there is no ONNX form for {call.Layer.GetType().Name}. " +
                $"Exportable layer types: {string.Join(", ", ExportableLayers)}; add one with OnnxExport.Register<{call.Layer.GetType().Name}>(…).");
        return export(g, call);
    }

    private static IEnumerable<(string, string)> Metadata(Model model, OnnxExportOptions o)
    {
        yield return ("input_layout", "NCHW");
        yield return ("input_shape", JsonSerializer.Serialize(model.InputShape));
        yield return ("outputs", JsonSerializer.Serialize(model.OutputNames));
        if (o.ClassNames is { } names) yield return ("class_names", JsonSerializer.Serialize(names));
        if (o.ClassNamesByOutput is { } byOutput)
            foreach (var (output, list) in byOutput) yield return ($"class_names.{output}", JsonSerializer.Serialize(list));
        yield return ("preprocessing", o.Preprocessing ?? DescribePreprocessing(model));
        if (o.Metadata is { } extra)
            foreach (var (k, v) in extra) yield return (k, v);
    }

    /// <summary>Says what the model does to its input by itself (leading Rescaling layers are part
    /// of the graph), so a deploying application knows what to feed.</summary>
    private static string DescribePreprocessing(Model model)
    {
        var first = model.Nodes.Count > 0 && model.Nodes[0].Parents is [-1] ? model.Nodes[0].Layer : null;
        return first is Rescaling r
            ? $"float32 NCHW; the graph itself applies x*{r.Scale}+{r.Offset} (layer '{r.Name}'), so feed raw values (e.g. pixels in [0, 255])"
            : "float32 NCHW, fed as the model was trained (no preprocessing inside the graph)";
    }

    private static ValueInfoProto ValueInfo(string name, string batch, int[] shape)
    {
        var dims = new TensorShapeProto();
        dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (var d in shape) dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = dims } },
        };
    }
}
