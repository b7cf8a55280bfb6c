using Google.Protobuf;
using Onnx;

namespace Engine.Onnx.Import;

/// <summary>Reads and validates the container: protobuf bytes, IR version, opset imports. Everything
/// a user can get wrong becomes an <see cref="OnnxImportException"/> naming the file.</summary>
internal static class OnnxFile
{
    public const int MinOpset = 7;
    public const int MaxOpset = 21;

    public static ModelProto Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length == 0) throw new OnnxImportException($"{source} is empty; expected an ONNX model (a protobuf ModelProto).");
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new OnnxImportException($"{source} is not a valid ONNX file (the protobuf is malformed or truncated): {e.Message}", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new OnnxImportException($"{source} holds no graph (or an empty one); it is not an ONNX model, or it is truncated.");
        return model;
    }

    /// <summary>The version of the default ("" / "ai.onnx") opset, checked against 7–21.</summary>
    public static int Opset(ModelProto model, string source)
    {
        var entry = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (entry is null)
            throw new OnnxImportException($"{source} imports no default ONNX opset (opset_import lists {string.Join(", ", model.OpsetImport.Select(o => $"'{o.Domain}' v{o.Version}"))}).");
        if (entry.Version > MaxOpset)
            throw new OnnxImportException($"{source} uses ONNX opset {entry.Version}, newer than the newest this importer supports ({MaxOpset}); supported opsets are {MinOpset}–{MaxOpset}.");
        if (entry.Version < MinOpset)
            throw new OnnxImportException($"{source} uses ONNX opset {entry.Version}, older than the oldest this importer supports ({MinOpset}); supported opsets are {MinOpset}–{MaxOpset}.");
        return (int)entry.Version;
    }
}
