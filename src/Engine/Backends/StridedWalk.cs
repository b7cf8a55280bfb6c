namespace Engine.Backends;

/// <summary>How a gather kernel walks its output: output element o, at index i_a on each axis a of
/// <see cref="Dims"/> (row-major), reads source element Σ_a i_a·Strides[a]. A transpose's strides are
/// the input's own strides in the new axis order; a broadcast's are 0 on the broadcast axes. Unused
/// leading or trailing axes have dim 1. The arrays have the kernel's fixed arity (6 for broadcast,
/// 8 for transpose_nd), which the backends check.</summary>
public readonly record struct StridedWalk(int[] Dims, int[] Strides)
{
    /// <summary>Output elements: the product of <see cref="Dims"/>.</summary>
    public long Size
    {
        get
        {
            long n = 1;
            foreach (var d in Dims) n *= d;
            return n;
        }
    }

    /// <summary>Source elements reached: the product of the dims whose stride is not 0.</summary>
    public long SourceSize
    {
        get
        {
            long n = 1;
            for (var a = 0; a < Dims.Length; a++)
                if (Strides[a] != 0) n *= Dims[a];
            return n;
        }
    }

    /// <summary>The source element that output element <paramref name="o"/> reads, for a walk with
    /// <paramref name="dims"/> and <paramref name="strides"/>.</summary>
    internal static long SourceOf(long o, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        long src = 0;
        for (var d = dims.Length - 1; d >= 0; d--)
        {
            src += o % dims[d] * strides[d];
            o /= dims[d];
        }
        return src;
    }

    /// <summary>This walk, if it has <paramref name="rank"/> axes; else an error naming <paramref name="kernel"/>.</summary>
    internal StridedWalk Require(int rank, string kernel)
    {
        if (Dims is null || Strides is null || Dims.Length != rank || Strides.Length != rank)
            throw new ArgumentException($"{kernel}: the walk must have {rank} dims and {rank} strides; received {Dims?.Length ?? 0} and {Strides?.Length ?? 0}.");
        return this;
    }
}
