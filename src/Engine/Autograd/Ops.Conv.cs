using Engine.Backends;
using Engine.Backends.Cpu;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>2-D convolution (cross-correlation, as in every framework) of NCHW x [N, C, H, W]
    /// with w [F, C, KH, KW] (PyTorch's OIHW layout) plus an optional bias [F]; gives [N, F, OH, OW].</summary>
    public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b = null, int stride = 1, Padding padding = Padding.Valid) =>
        Conv2D(x, w, b, stride, stride, padding);

    /// <summary>Convolution as one GEMM: col = im2col(x) [C·KH·KW, N·OH·OW]; Y' = W · col [F, N·OH·OW];
    /// Y' is transposed to NCHW and the bias added. One recorded op, so backward is one GEMM per
    /// gradient plus col2im.</summary>
    public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b, int strideH, int strideW, Padding padding) =>
        Conv2D(x, w, b, strideH, strideW, padding, relu: false);

    /// <summary>Conv2D followed by ReLU as one recorded op (what a Conv2D layer with activation "relu"
    /// runs): the same values as Relu(Conv2D(...)). On the CPU in float32 the GEMM's output pass adds the
    /// bias, applies ReLU and writes NCHW directly; elsewhere it is the composite of the backend's
    /// kernels. Backward masks the gradient by y &gt; 0 (exactly where ReLU's input was positive).</summary>
    public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b, int strideH, int strideW, Padding padding, bool relu) =>
        Conv2D(x, w, b, strideH, strideW, (ConvPadding)padding, 1, 1, 1, relu);

    /// <summary>The general convolution: Keras's or explicit padding (<see cref="ConvPadding"/>),
    /// dilation (kernel taps dilation pixels apart) and groups (input and output channels split into
    /// <paramref name="groups"/> blocks, block g of the output seeing only block g of the input; the
    /// kernel is [F, C / groups, KH, KW], PyTorch's layout). One GEMM per group on row blocks of the
    /// unfolded input and of the kernel. The CPU's fused float32 path serves groups = 1, dilation 1;
    /// everything else runs the composite of backend kernels.</summary>
    public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b, int strideH, int strideW, ConvPadding padding,
        int dilationH = 1, int dilationW = 1, int groups = 1, bool relu = false)
    {
        var op = relu ? "conv2d_relu" : "conv2d";
        RequireFloat(op, x);
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {x.Shape}.");
        RequireSameKind(op, x, w);
        if (w.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 kernel (filters, channels, kernel_h, kernel_w); received shape {w.Shape}.");
        if (groups < 1)
            throw new ArgumentException($"{op}: groups must be a positive integer; received {groups}.");
        var f = w.Shape[0];
        if (groups == 1 && w.Shape[1] != x.Shape[1])
            throw new ArgumentException($"{op}: the input of shape {x.Shape} has {x.Shape[1]} channels, but the kernel of shape {w.Shape} expects {w.Shape[1]} (kernel layout (filters, channels, kernel_h, kernel_w)).");
        if (groups > 1)
        {
            if (x.Shape[1] % groups != 0 || f % groups != 0)
                throw new ArgumentException($"{op}: the number of input channels ({x.Shape[1]}, input shape {x.Shape}) and of filters ({f}) must both be divisible by groups={groups}.");
            if (w.Shape[1] != x.Shape[1] / groups)
                throw new ArgumentException($"{op}: with groups={groups} the kernel must have {x.Shape[1]} / {groups} = {x.Shape[1] / groups} channels per filter (layout (filters, channels / groups, kernel_h, kernel_w)); received kernel shape {w.Shape}.");
        }
        if (b is not null)
        {
            RequireSameKind(op, x, b);
            if (b.Rank != 1 || b.Size != f)
                throw new ArgumentException($"{op}: bias must have shape ({f},) to match the {f} filters of kernel {w.Shape}; received {b.Shape}.");
        }
        var g = Conv2DGeometry.Create(x.Shape, (w.Shape[2], w.Shape[3]), (strideH, strideW), padding, (dilationH, dilationW), f, groups, op);
        var (n, k, pixels) = (g.N, g.C * g.KH * g.KW, g.OH * g.OW);
        var (fg, kg) = (f / groups, k / groups); // filters and unfolded rows per group
        var columns = n * pixels;
        var be = x.Backend;
        // Small planes (ResNet18's 2×2 layers) run the forward as per-tap GEMMs without the padding's zeros.
        var byTaps = groups == 1 && !g.Dilated && CpuBackend.ConvForwardByTaps(x, g);
        var fused = !byTaps && groups == 1 && !g.Dilated && CpuBackend.FusesConv(x, k);
        // Backward's fused passes (gradient rows, transposed-convolution dx, implicit dW) have limits of their
        // own, so they are taken whether or not the forward was fused (a forward k above CpuConvGemm.MaxK).
        var fusedBackward = groups == 1 && !g.Dilated && CpuBackend.FusesConvBackward(x);

        // The fused CPU paths (implicit GEMM, per-tap GEMMs) read x directly; only the composite needs col here.
        var col = fused || byTaps ? null : Unfold(x, g);
        var y = Tensor.Empty(Shape.Of(n, f, g.OH, g.OW), x.DType, x.Device);
        if (byTaps)
            CpuBackend.ConvForwardTaps(w, x, g, b, y, relu);
        else if (fused)
            CpuBackend.ConvForwardFused(w, x, g, b, y, relu);
        else
        {
            using var yT = Tensor.Empty(Shape.Of(f, columns), x.DType, x.Device);
            GroupedGemm(be, groups, false, false, fg, columns, kg, w, kg, col!, columns, 0, yT, columns); // Y'_g = W_g · col_g
            if (b is null) be.Transpose01(yT, y, f, n, pixels);
            else
            {
                // Bias per row of Y' ([1, F, N·P] view) before the transpose, so it is one kernel launch.
                using var biased = Tensor.EmptyLike(yT);
                be.BiasAddForward(yT, b, biased, 1, f, columns);
                be.Transpose01(biased, y, f, n, pixels);
            }
            if (relu) be.ReluForward(y, y, y.Size);
        }

        // col is only needed for dW; drop it now when no kernel gradient will be asked for. A large one is
        // not held until backward either (ResNet-20 at batch 128 would hold ~0.9 GB of them, more than the
        // array pool keeps, so every step allocated afresh): backward unfolds x again, the same values.
        var keepCol = col is not null && Tape.WillRecord(w) && (long)k * columns <= MaxHeldColumnElements;
        if (!keepCol) col?.Dispose();
        var saved = new ConvSaved(x, w, b, y, keepCol ? col : null, g, groups, fusedBackward, relu);
        if (b is null) Tape.Record(op, y, [x, w], saved, static (in s, dy, grad) => ConvBackward(s, dy, grad));
        else Tape.Record(op, y, [x, w, b], saved, static (in s, dy, grad) => ConvBackward(s, dy, grad));
        return y;
    }

    /// <summary>What Conv2D's backward needs: the operands, the output (ReLU's mask), the unfolded
    /// input when it was kept (<see cref="MaxHeldColumnElements"/>), the geometry and whether backward
    /// takes the CPU's fused float32 passes.</summary>
    private readonly record struct ConvSaved(Tensor X, Tensor W, Tensor? B, Tensor Y, Tensor? Col, Conv2DGeometry G, int Groups, bool Fused, bool Relu);

    /// <summary>im2col of x: col [C·KH·KW, N·OH·OW].</summary>
    private static Tensor Unfold(Tensor x, in Conv2DGeometry g)
    {
        var unfolded = Tensor.Empty(Shape.Of(g.C * g.KH * g.KW, g.N * g.OH * g.OW), x.DType, x.Device);
        x.Backend.Im2Col(x, unfolded, g);
        return unfolded;
    }

    private static void ConvBackward(in ConvSaved s, Tensor dy, GradOf grad)
    {
        var (x, w, b, y, g, groups, fused, relu) = (s.X, s.W, s.B, s.Y, s.G, s.Groups, s.Fused, s.Relu);
        var (n, f, k, pixels) = (g.N, w.Shape[0], g.C * g.KH * g.KW, g.OH * g.OW);
        var (fg, kg) = (f / groups, k / groups);
        var columns = n * pixels;
        var keepCol = s.Col is not null;
        var bk = dy.Backend;
        using var dyT = Tensor.Empty(Shape.Of(f, columns), dy.DType, dy.Device);
        Tensor? dz = null; // the gradient before ReLU, NCHW (composite path only)
        if (fused) CpuBackend.ConvGradRows(dy, relu ? y : null, dyT, n, f, pixels, b is null ? null : grad(b));
        else
        {
            if (relu)
            {
                dz = Tensor.Zeros(y.Shape, dy.DType, dy.Device);
                bk.ReluBackward(y, dy, dz, y.Size);
            }
            bk.Transpose01(dz ?? dy, dyT, n, f, pixels);
        }
        if (grad(w) is { } dw)
        {
            if (fused && CpuBackend.ConvWeightGradByTaps(g)) CpuBackend.ConvWeightGradTaps(dyT, x, g, dw); // small planes: no padding taps
            else if (fused && CpuBackend.FusesConvWeightGrad(g)) CpuBackend.ConvWeightGradFromImage(dyT, x, g, dw); // unfolds x in cache
            else
            {
                var unfolded = s.Col ?? Unfold(x, g);
                if (fused) CpuBackend.ConvWeightGrad(dyT, unfolded, dw, f, k, columns);
                else GroupedGemm(bk, groups, false, true, fg, kg, columns, dyT, columns, unfolded, columns, 1, dw, kg); // dW_g += dY'_g · col_gᵀ
                if (!keepCol) unfolded.Dispose();
            }
        }
        // The fused CPU paths overwrite dx when this is its first writer, so it needs no zero fill.
        var assign = false;
        if ((fused ? BackwardPass.GradToOverwrite(grad, x, out assign) : grad(x)) is { } dx)
        {
            if (fused && CpuBackend.ConvInputGradByTaps(g)) CpuBackend.ConvInputGradTaps(w, dyT, g, dx, assign); // small planes: no padding taps
            else if (fused && CpuBackend.FusesConvInputGrad(g)) CpuBackend.ConvInputGradFused(w, dyT, g, dx, assign); // no dcol, no col2im
            else
            {
                using var dcol = Tensor.Empty(Shape.Of(k, columns), dy.DType, dy.Device);
                GroupedGemm(bk, groups, true, false, kg, columns, fg, w, kg, dyT, columns, 0, dcol, columns); // dcol_g = W_gᵀ · dY'_g
                if (fused) CpuBackend.Col2ImFloat(dcol, dx, g, assign);
                else bk.Col2Im(dcol, dx, g);
            }
        }
        if (!fused && b is not null && grad(b) is { } db) bk.BiasAddBackward(dz ?? dy, db, n, f, pixels);
        dz?.Dispose();
        // A node's backward runs at most once (the graph is released after), so col can go now.
        if (keepCol) s.Col!.Dispose();
    }

    /// <summary>Unfolded inputs up to this many elements (32 MiB of float32) stay alive from forward to
    /// backward; larger ones are unfolded again in backward (tests lower it to run both paths).</summary>
    internal static long MaxHeldColumnElements { get; set; } = 8L << 20;

    /// <summary>C_g = alpha·op(A_g)·op(B_g) + beta·C_g for each group g, where X_g is the g-th block of
    /// rows of X (blocks of equal height; xCols is X's row length). One GEMM when groups = 1.</summary>
    private static void GroupedGemm(IBackend be, int groups, bool transA, bool transB, int m, int n, int k,
        Tensor a, int aCols, Tensor b, int bCols, double beta, Tensor c, int cCols)
    {
        if (groups == 1)
        {
            be.Gemm(transA, transB, m, n, k, 1, a, b, beta, c);
            return;
        }
        var (aRows, bRows, cRows) = (a.Size / aCols / groups, b.Size / bCols / groups, c.Size / cCols / groups);
        for (var gi = 0; gi < groups; gi++)
        {
            using var ag = RowBlock(a, gi * aRows, aRows, aCols);
            using var bg = RowBlock(b, gi * bRows, bRows, bCols);
            using var cg = RowBlock(c, gi * cRows, cRows, cCols);
            be.Gemm(transA, transB, m, n, k, 1, ag, bg, beta, cg);
        }
    }

    /// <summary>Rows [first, first + count) of the row-major matrix t (cols columns) as a view, for
    /// per-group GEMMs.</summary>
    private static Tensor RowBlock(Tensor t, int first, int count, int cols) =>
        Tensor.ViewOf(t.Storage, Shape.Of(count, cols), t.Offset + first * cols);
}
