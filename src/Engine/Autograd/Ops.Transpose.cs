using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Transpose of a matrix.</summary>
    public static Tensor Transpose(Tensor x)
    {
        RequireRank("transpose", x, 2, "(rows, cols)");
        var (r, c) = (x.Shape[0], x.Shape[1]);
        var y = Tensor.Empty(Shape.Of(c, r), x.DType, x.Device);
        x.Backend.Transpose01(x, y, r, c, 1);
        Tape.Record("transpose", y, [x], (x, r, c), static (in s, dy, grad) =>
        {
            var (x, r, c) = s;
            if (grad(x) is not { } dx) return;
            using var t = Tensor.EmptyLike(dx);
            dy.Backend.Transpose01(dy, t, c, r, 1);
            dy.Backend.Axpy(1, t, dx, t.Size);
        });
        return y;
    }
    /// <summary>The most axes <see cref="Transpose(Tensor, int[])"/> handles (the kernel's fixed arity).</summary>
    public const int MaxTransposeRank = 8;

    /// <summary>N-d transpose (numpy's transpose, PyTorch's permute): output axis a is input axis
    /// perm[a], so y.Shape[a] = x.Shape[perm[a]]. Copies (the result is contiguous). Backward
    /// transposes the gradient with the inverse permutation.</summary>
    public static Tensor Transpose(Tensor x, params int[] perm)
    {
        const string op = "transpose";
        ArgumentNullException.ThrowIfNull(perm);
        var rank = x.Rank;
        if (perm.Length != rank || rank > MaxTransposeRank || perm.Any(p => p < 0 || p >= rank) || perm.Distinct().Count() != rank)
            throw new ArgumentException($"{op}: perm must be a permutation of 0..{rank - 1} for an input of shape {x.Shape} (at most {MaxTransposeRank} axes); received [{string.Join(", ", perm)}].");
        var y = Tensor.Empty(new Shape(perm.Select(p => x.Shape[p]).ToArray()), x.DType, x.Device);
        LaunchTranspose(x, y, perm);
        var inverse = new int[rank];
        for (var a = 0; a < rank; a++) inverse[perm[a]] = a;
        Tape.Record(op, y, [x], (dy, grad) =>
        {
            if (grad(x) is not { } dx) return;
            using var t = Tensor.EmptyLike(dx);
            LaunchTranspose(dy, t, inverse);
            dy.Backend.Axpy(1, t, dx, t.Size);
        });
        return y;
    }

    /// <summary>y = x permuted by perm, through the backend's 8-axis kernel (unused axes: size 1, stride 0).</summary>
    private static void LaunchTranspose(Tensor x, Tensor y, int[] perm)
    {
        var (d, s) = (new int[MaxTransposeRank], new int[MaxTransposeRank]);
        Array.Fill(d, 1);
        var inStrides = new int[x.Rank];
        for (int a = x.Rank - 1, stride = 1; a >= 0; a--)
        {
            inStrides[a] = stride;
            stride *= x.Shape[a];
        }
        for (var a = 0; a < perm.Length; a++) (d[a], s[a]) = (x.Shape[perm[a]], inStrides[perm[a]]);
        x.Backend.TransposeNd(x, y, new StridedWalk(d, s));
    }
}
