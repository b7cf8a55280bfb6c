using Engine.Backends;
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
    public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b, int strideH, int strideW, Padding padding, bool relu)
    {
        var op = relu ? "conv2d_relu" : "conv2d";
        RequireFloat(op, x);
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {x.Shape}.");
        RequireSameKind(op, x, w);
        if (w.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 kernel (filters, channels, kernel_h, kernel_w); received shape {w.Shape}.");
        if (w.Shape[1] != x.Shape[1])
            throw new ArgumentException($"{op}: the input of shape {x.Shape} has {x.Shape[1]} channels, but the kernel of shape {w.Shape} expects {w.Shape[1]} (kernel layout (filters, channels, kernel_h, kernel_w)).");
        var f = w.Shape[0];
        if (b is not null)
        {
            RequireSameKind(op, x, b);
            if (b.Rank != 1 || b.Size != f)
                throw new ArgumentException($"{op}: bias must have shape ({f},) to match the {f} filters of kernel {w.Shape}; received {b.Shape}.");
        }
        var g = WindowGeometry(op, "kernel", x, w.Shape[2], w.Shape[3], strideH, strideW, padding);
        var (n, c, k, pixels) = (g.N, g.C, g.C * g.KH * g.KW, g.OH * g.OW);
        var columns = n * pixels;
        var be = x.Backend;
        var fused = CpuBackend.FusesConv(x, k);

        var col = Tensor.Empty(new Shape(k, columns), x.DType, x.Device);
        be.Im2Col(x, col, n, c, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW);
        var y = Tensor.Empty(new Shape(n, f, g.OH, g.OW), x.DType, x.Device);
        if (fused) CpuBackend.ConvForwardFused(w, col, b, y, f, k, n, pixels, relu);
        else
        {
            using var yT = Tensor.Empty(new Shape(f, columns), x.DType, x.Device);
            be.Gemm(false, false, f, columns, k, 1, w, col, 0, yT);
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

        // col is only needed for dW; drop it now when no kernel gradient will be asked for.
        var keepCol = Tape.WillRecord(w);
        if (!keepCol) col.Dispose();
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        Tape.Record(op, y, inputs, (dy, grad) =>
        {
            var bk = dy.Backend;
            using var dyT = Tensor.Empty(new Shape(f, columns), dy.DType, dy.Device);
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
                if (fused) CpuBackend.ConvWeightGrad(dyT, col, dw, f, k, columns);
                else bk.Gemm(false, true, f, k, columns, 1, dyT, col, 1, dw); // dW += dY'·colᵀ
            }
            // The fused CPU col2im clears each plane of dx before adding into it, so dx needs no zero fill
            // when this is its first writer.
            var assign = false;
            if ((fused ? BackwardPass.GradToOverwrite(grad, x, out assign) : grad(x)) is { } dx)
            {
                using var dcol = Tensor.Empty(new Shape(k, columns), dy.DType, dy.Device);
                bk.Gemm(true, false, k, columns, f, 1, w, dyT, 0, dcol); // dcol = Wᵀ·dY'
                if (fused) CpuBackend.Col2ImFloat(dcol, dx, n, c, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW, assign);
                else bk.Col2Im(dcol, dx, n, c, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW);
            }
            if (!fused && b is not null && grad(b) is { } db) bk.BiasAddBackward(dz ?? dy, db, n, f, pixels);
            dz?.Dispose();
            // A node's backward runs at most once (the graph is released after), so col can go now.
            if (keepCol) col.Dispose();
        });
        return y;
    }

    /// <summary>Everything a windowed NCHW kernel needs: input size, window, strides, leading
    /// padding and output size.</summary>
    private readonly record struct Window2D(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW);

    /// <summary>Output size and leading padding for conv and pooling, Keras/TensorFlow rules
    /// (see <see cref="Padding"/>). <paramref name="window"/> names the window in errors.</summary>
    private static Window2D WindowGeometry(string op, string window, Tensor x, int kh, int kw, int sh, int sw, Padding padding)
    {
        var (h, w) = (x.Shape[2], x.Shape[3]);
        if (kh < 1 || kw < 1)
            throw new ArgumentException($"{op}: {window} size must be positive; received ({kh}, {kw}).");
        if (sh < 1 || sw < 1)
            throw new ArgumentException($"{op}: strides must be positive; received ({sh}, {sw}).");
        if (!Enum.IsDefined(padding))
            throw new ArgumentException($"{op}: padding must be Padding.Valid or Padding.Same; received {(int)padding}.");
        if (padding == Padding.Valid && (kh > h || kw > w))
            throw new ArgumentException($"{op}: the {window} size ({kh}, {kw}) is larger than the input's spatial size ({h}, {w}) (input shape {x.Shape}) with padding 'valid'; use padding 'same' or a smaller {window}.");
        var (oh, ph) = OutputAndPad(h, kh, sh, padding);
        var (ow, pw) = OutputAndPad(w, kw, sw, padding);
        return new Window2D(x.Shape[0], x.Shape[1], h, w, kh, kw, sh, sw, ph, pw, oh, ow);
    }

    private static (int Out, int PadBefore) OutputAndPad(int size, int kernel, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((size - kernel) / stride + 1, 0);
        var output = (size + stride - 1) / stride;
        var total = Math.Max((output - 1) * stride + kernel - size, 0);
        return (output, total / 2); // the odd pixel of padding goes after (bottom/right)
    }
}
