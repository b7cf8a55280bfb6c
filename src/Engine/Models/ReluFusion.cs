using Engine.Layers;

namespace Engine.Models;

/// <summary>Which graph nodes run a BatchNormalization or an Add and the ReLU right after it as one fused
/// op (<see cref="Autograd.Ops.BatchNormRelu"/>, <see cref="Autograd.Ops.AddRelu"/>): the node's output
/// feeds only that ReLU (a plain <c>Activation("relu")</c> or a default <c>ReLU()</c> layer) and is not a
/// model output, so nobody sees the value the fusion never stores. The layers, their configs and
/// checkpoints are unchanged.</summary>
internal static class ReluFusion
{
    /// <summary>Off only for tests that compare against the unfused graph.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>plan[i] is true when node i is such a batch norm or add and node i + 1 its ReLU.</summary>
    public static bool[] Plan(IReadOnlyList<GraphNode> nodes, IReadOnlyList<(string Name, int Node)> outputs)
    {
        var plan = new bool[nodes.Count];
        if (!Enabled) return plan;
        var consumers = new int[nodes.Count];
        foreach (var node in nodes)
            foreach (var p in node.Parents)
                if (p >= 0) consumers[p]++;
        for (var i = 0; i + 1 < nodes.Count; i++)
            plan[i] = nodes[i].Layer is BatchNormalization or Add
                      && IsPlainRelu(nodes[i + 1].Layer)
                      && nodes[i + 1].Parents is [var parent] && parent == i
                      && consumers[i] == 1
                      && !outputs.Any(o => o.Node == i);
        return plan;
    }

    private static bool IsPlainRelu(Layer layer) => layer switch
    {
        Activation a => Activations.IsBuiltinRelu(a.Function),
        ReLU r => r.MaxValue is null && r.NegativeSlope == 0 && r.Threshold == 0,
        _ => false,
    };
}
