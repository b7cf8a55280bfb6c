using Engine.Models;
using Engine.Onnx.Import;

namespace Engine.Onnx;

/// <summary>Imports an ONNX CNN as an Engine model with trainable weights (the counterpart of
/// PyTorch's onnx2torch or Keras's onnx2keras): <c>var model = OnnxModel.Load("resnet18.onnx");</c>.
/// Each node becomes a layer named after it; Conv, BatchNormalization (moving statistics kept),
/// Gemm/MatMul become trainable Conv2D / BatchNormalization / Dense. Opsets 7–21 of the default
/// domain; anything else is an <see cref="OnnxImportException"/> naming the op, node and opset.</summary>
public static class OnnxModel
{
    public static Model Load(string path, OnnxImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        var full = Path.GetFullPath(path);
        return Import(File.ReadAllBytes(full), $"'{path}'", Path.GetDirectoryName(full), options);
    }

    /// <summary>The file's metadata_props (key → value), e.g. "preprocessing" and "class_names" as
    /// <see cref="OnnxExport"/> writes them; an unreadable file is an <see cref="OnnxImportException"/>.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        var proto = OnnxFile.Parse(File.ReadAllBytes(path), $"'{path}'");
        var result = new Dictionary<string, string>();
        foreach (var entry in proto.MetadataProps) result[entry.Key] = entry.Value;
        return result;
    }

    /// <summary>From bytes in memory (external data files cannot be found from here).</summary>
    public static Model Load(ReadOnlySpan<byte> bytes, OnnxImportOptions? options = null) => Import(bytes, "the ONNX bytes", null, options);

    private static Model Import(ReadOnlySpan<byte> bytes, string source, string? directory, OnnxImportOptions? options)
    {
        var proto = OnnxFile.Parse(bytes, source);
        try
        {
            return new GraphImporter(proto, source, directory).Import(options ?? new OnnxImportOptions());
        }
        catch (ArgumentException e)
        {
            // A layer refused what the file describes (a shape or setting it cannot take).
            throw new OnnxImportException($"{source} could not be turned into an Engine model: {e.Message}", e);
        }
    }
}
