namespace Engine.Onnx;

/// <summary>A model (or a layer of it) that cannot be written as ONNX; the message names the layer.</summary>
public sealed class OnnxExportException(string message) : Exception(message);
