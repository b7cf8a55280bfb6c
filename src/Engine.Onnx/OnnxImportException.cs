namespace Engine.Onnx;

/// <summary>An ONNX file that Engine cannot turn into a model: malformed or truncated bytes, missing
/// external data, an unsupported opset, op or attribute. The message names the file, node and op.</summary>
public sealed class OnnxImportException(string message, Exception? inner = null) : Exception(message, inner);
