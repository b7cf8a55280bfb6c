using System.Text.Json.Nodes;
using Engine.Tensors;

namespace Engine.Callbacks;

/// <summary>A callback's resumable state: JSON values plus optional tensors (best weights), saved
/// by <see cref="BackupAndRestore"/> so an interrupted Fit continues exactly.</summary>
public sealed record CallbackState(JsonObject Values, IReadOnlyDictionary<string, Tensor>? Tensors = null);
