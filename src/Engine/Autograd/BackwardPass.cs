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
    [ThreadStatic] private static Pass? _current;

    /// <summary>Finished passes' bookkeeping, reused by the next pass on this thread (a training step
    /// would otherwise allocate a new dictionary, set, stack, list and delegate every time).</summary>
    [ThreadStatic] private static Stack<Pass>? _free;

    /// <summary>The gradient buffer of <paramref name="input"/> for a kernel that writes every one of
    /// its elements. When this is the buffer's first writer (an intermediate tensor whose gradient
    /// nobody has touched yet) it comes back uninitialised with <paramref name="assign"/> = true and
    /// the kernel must overwrite it all; otherwise it is <c>grad(input)</c> (zeroed or already holding
    /// other consumers' sums) with assign = false and the kernel must add, as usual.</summary>
    internal static Tensor? GradToOverwrite(GradOf grad, Tensor input, out bool assign)
    {
        assign = false;
        if (_current is not { } pass || !ReferenceEquals(pass.Grad, grad)
            || !input.RequiresGrad || input.IsLeaf || input.GradFn!.Released || pass.Grads.ContainsKey(input))
            return grad(input);
        var g = Tensor.Empty(input.Shape, input.DType, input.Device);
        pass.Grads[input] = g;
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

        var free = _free ??= new Stack<Pass>();
        var pass = free.Count > 0 ? free.Pop() : new Pass();
        var order = pass.Order;
        var grads = pass.Grads;
        var outer = _current;
        try
        {
            pass.SortFrom(root);
            using (TensorScope.Untracked())
            using (Tape.NoGrad())
            {
                var seed = Tensor.Full(root.Shape, 1, root.DType, root.Device);
                if (root.IsLeaf) { Accumulate(root, seed); return; }
                grads[root] = seed;

                _current = pass;
                for (var i = order.Count - 1; i >= 0; i--)
                {
                    var t = order[i];
                    if (!grads.Remove(t, out var dy)) continue;
                    t.GradFn!.Backward(dy, pass.Grad);
                    dy.Dispose();
                }
            }
        }
        finally
        {
            _current = outer;
            foreach (var g in grads.Values) g.Dispose();
            foreach (var t in order) t.GradFn?.Release();
            pass.Clear();
            free.Push(pass);
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

    /// <summary>One pass's bookkeeping: the topological order, the intermediate gradients and the
    /// grad delegate handed to every backward.</summary>
    private sealed class Pass
    {
        public readonly List<Tensor> Order = [];
        public readonly Dictionary<Tensor, Tensor> Grads = new(ReferenceEqualityComparer.Instance);
        public readonly GradOf Grad;
        private readonly HashSet<Tensor> _seen = new(ReferenceEqualityComparer.Instance);
        private readonly Stack<(Tensor T, bool Expanded)> _stack = new();

        public Pass() => Grad = GradFor;

        /// <summary>Zeroed buffer for a leaf's Grad or an intermediate's gradient; null when t needs none.</summary>
        private Tensor? GradFor(Tensor t)
        {
            if (!t.RequiresGrad) return null;
            if (t.IsLeaf)
            {
                t.Grad ??= Tensor.ZerosLike(t);
                return t.Grad;
            }
            if (t.GradFn!.Released)
                throw new InvalidOperationException($"Backward() reached a tensor of shape {t.Shape} whose graph was already released by an earlier Backward().");
            if (!Grads.TryGetValue(t, out var g))
            {
                g = Tensor.ZerosLike(t);
                Grads[t] = g;
            }
            return g;
        }

        /// <summary>Fills <see cref="Order"/> with the non-leaf tensors reachable from root, each after
        /// everything it depends on.</summary>
        public void SortFrom(Tensor root)
        {
            _stack.Push((root, false));
            while (_stack.Count > 0)
            {
                var (t, expanded) = _stack.Pop();
                if (expanded) { Order.Add(t); continue; }
                if (t.GradFn is null || t.GradFn.Released || !_seen.Add(t)) continue;
                _stack.Push((t, true));
                foreach (var input in t.GradFn.Inputs)
                    if (input.RequiresGrad && input.GradFn is { Released: false } && !_seen.Contains(input))
                        _stack.Push((input, false));
            }
        }

        /// <summary>Forgets every tensor (so none is kept alive) but keeps the capacity.</summary>
        public void Clear()
        {
            Order.Clear();
            Grads.Clear();
            _seen.Clear();
            _stack.Clear();
        }
    }
}
