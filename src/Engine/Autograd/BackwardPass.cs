using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Reverse-mode differentiation from a scalar. Leaf gradients accumulate in
/// <see cref="Tensor.Grad"/> (until ZeroGrad); intermediate gradients live only until their node
/// has used them. The graph is released afterwards, so a second Backward through it fails clearly.</summary>
internal static class BackwardPass
{
    /// <summary>The running pass on this thread (its grad delegate and intermediate buffers), so a
    /// backward kernel that writes every element of an input's gradient can take that buffer without
    /// the zero fill (<see cref="GradToOverwrite"/>).</summary>
    [ThreadStatic] private static (GradOf Grad, Dictionary<Tensor, Tensor> Buffers)? _current;

    /// <summary>The gradient buffer of <paramref name="input"/> for a kernel that writes every one of
    /// its elements. When this is the buffer's first writer (an intermediate tensor whose gradient
    /// nobody has touched yet) it comes back uninitialised with <paramref name="assign"/> = true and
    /// the kernel must overwrite it all; otherwise it is <c>grad(input)</c> (zeroed or already holding
    /// other consumers' sums) with assign = false and the kernel must add, as usual.</summary>
    internal static Tensor? GradToOverwrite(GradOf grad, Tensor input, out bool assign)
    {
        assign = false;
        if (_current is not { } pass || !ReferenceEquals(pass.Grad, grad)
            || !input.RequiresGrad || input.IsLeaf || input.GradFn!.Released || pass.Buffers.ContainsKey(input))
            return grad(input);
        var g = Tensor.Empty(input.Shape, input.DType, input.Device);
        pass.Buffers[input] = g;
        assign = true;
        return g;
    }

    public static void Run(Tensor root)
    {
        if (root.Size != 1)
            throw new InvalidOperationException($"Backward() needs a scalar (one element); got shape {root.Shape}. Reduce it first, e.g. with Ops.Mean.");
        if (!root.RequiresGrad)
            throw new InvalidOperationException("Backward() was called on a tensor that does not require grad: nothing it depends on has RequiresGrad = true (or it was computed under Tape.NoGrad()).");
        if (root.GradFn is { Released: true })
            throw new InvalidOperationException("Backward() through a graph that was already released: the tape is freed after each Backward; run the forward pass again.");

        var order = TopologicalOrder(root);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var outer = _current;
        try
        {
            using (TensorScope.Untracked())
            using (Tape.NoGrad())
            {
                var seed = Tensor.Full(root.Shape, 1, root.DType, root.Device);
                if (root.IsLeaf) { Accumulate(root, seed); return; }
                grads[root] = seed;

                Tensor? GradOf(Tensor t)
                {
                    if (!t.RequiresGrad) return null;
                    if (t.IsLeaf)
                    {
                        t.Grad ??= Tensor.ZerosLike(t);
                        return t.Grad;
                    }
                    if (t.GradFn!.Released)
                        throw new InvalidOperationException($"Backward() reached a tensor of shape {t.Shape} whose graph was already released by an earlier Backward().");
                    if (!grads.TryGetValue(t, out var g))
                    {
                        g = Tensor.ZerosLike(t);
                        grads[t] = g;
                    }
                    return g;
                }

                GradOf gradOf = GradOf;
                _current = (gradOf, grads);
                for (var i = order.Count - 1; i >= 0; i--)
                {
                    var t = order[i];
                    if (!grads.Remove(t, out var dy)) continue;
                    t.GradFn!.Backward!(dy, gradOf);
                    dy.Dispose();
                }
            }
        }
        finally
        {
            _current = outer;
            foreach (var g in grads.Values) g.Dispose();
            foreach (var t in order) t.GradFn?.Release();
        }
    }

    private static void Accumulate(Tensor leaf, Tensor g)
    {
        if (leaf.Grad is null) leaf.Grad = g;
        else
        {
            leaf.Backend.Axpy(1, g, leaf.Grad, g.Size);
            g.Dispose();
        }
    }

    /// <summary>Non-leaf tensors reachable from root, each after everything it depends on.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor T, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (expanded) { order.Add(t); continue; }
            if (t.GradFn is null || t.GradFn.Released || !seen.Add(t)) continue;
            stack.Push((t, true));
            foreach (var input in t.GradFn.Inputs)
                if (input.RequiresGrad && input.GradFn is { Released: false } && !seen.Contains(input))
                    stack.Push((input, false));
        }
        return order;
    }
}
