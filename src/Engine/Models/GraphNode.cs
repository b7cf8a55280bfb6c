namespace Engine.Models;

/// <summary>One layer application in a model's graph: which layer, which earlier nodes feed it
/// (an index into the node list, or -1 - k for the model's input k) and the per-sample output shape.</summary>
internal sealed record GraphNode(Layers.Layer Layer, int[] Parents, int[] OutputShape);
