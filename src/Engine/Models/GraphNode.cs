namespace Engine.Models;

/// <summary>One layer application in a model's graph: which layer, which earlier node feeds it
/// (-1: the model input) and the per-sample output shape.</summary>
internal sealed record GraphNode(Layers.Layer Layer, int Parent, int[] OutputShape);
