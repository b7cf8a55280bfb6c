namespace Engine.Backends;

/// <summary>NumPy's broadcasting rule, shared by every merge op: shapes are aligned on the right,
/// and each axis must be equal or 1 in one of them. For the kernels an input is described against
/// the output by dims and strides (0 on broadcast axes), with neighbouring axes of the same kind
/// merged and the result padded on the left to <see cref="MaxRank"/>.</summary>
public static class Broadcast
{
    /// <summary>Axes the broadcast kernels take (after merging neighbours, which covers any
    /// practical case: at most three alternations of broadcast and non-broadcast runs).</summary>
    public const int MaxRank = 6;

    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>, or null when
    /// they are incompatible.</summary>
    public static int[]? Shape(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var rank = Math.Max(a.Count, b.Count);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Count ? 1 : a[i - (rank - a.Count)];
            var db = i < rank - b.Count ? 1 : b[i - (rank - b.Count)];
            if (da != db && da != 1 && db != 1) return null;
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Runs the broadcast kernel (forward copy or backward sum) of a plan.</summary>
    internal static void Forward(IBackend backend, Tensors.Tensor x, Tensors.Tensor y, int[] od, int[] st) =>
        backend.BroadcastForward(x, y, new StridedWalk(od, st));

    internal static void Backward(IBackend backend, Tensors.Tensor dy, Tensors.Tensor dx, int[] od, int[] st) =>
        backend.BroadcastBackward(dy, dx, new StridedWalk(od, st));

    /// <summary>Output dims and input strides (length <see cref="MaxRank"/>) for reading an input of
    /// shape <paramref name="input"/> as if it had shape <paramref name="output"/>.</summary>
    public static (int[] OutDims, int[] InStrides) Plan(IReadOnlyList<int> input, IReadOnlyList<int> output)
    {
        var rank = output.Count;
        if (input.Count > rank) throw new ArgumentException($"Cannot broadcast shape {Tensors.Shape.Format(input)} to the smaller rank of {Tensors.Shape.Format(output)}.");
        // Runs of axes that are all broadcast (input 1, output > 1) or all kept; size-1 output axes vanish.
        var dims = new List<int>();
        var broadcast = new List<bool>();
        for (var i = 0; i < rank; i++)
        {
            var o = output[i];
            var d = i < rank - input.Count ? 1 : input[i - (rank - input.Count)];
            if (d != o && d != 1) throw new ArgumentException($"Cannot broadcast shape {Tensors.Shape.Format(input)} to {Tensors.Shape.Format(output)}.");
            if (o == 1) continue;
            var isBroadcast = d == 1;
            if (dims.Count > 0 && broadcast[^1] == isBroadcast) dims[^1] *= o;
            else
            {
                dims.Add(o);
                broadcast.Add(isBroadcast);
            }
        }
        if (dims.Count > MaxRank)
            throw new ArgumentException($"Broadcasting {Tensors.Shape.Format(input)} to {Tensors.Shape.Format(output)} alternates broadcast and kept axes too often ({dims.Count} runs; at most {MaxRank} are supported).");
        var outDims = Enumerable.Repeat(1, MaxRank).ToArray();
        var strides = new int[MaxRank];
        var offset = MaxRank - dims.Count;
        var stride = 1;
        for (var k = dims.Count - 1; k >= 0; k--)
        {
            outDims[offset + k] = dims[k];
            strides[offset + k] = broadcast[k] ? 0 : stride;
            if (!broadcast[k]) stride *= dims[k];
        }
        // Padding axes have dim 1; give them a nonzero stride so they never count as broadcast.
        for (var k = 0; k < offset; k++) strides[k] = 1;
        return (outDims, strides);
    }
}
