using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Depthwise convolution of NCHW x [N, C, H, W] with w [C·M, 1, KH, KW] (M = depth
    /// multiplier; PyTorch's layout for groups = C) plus an optional bias [C·M]: output channel
    /// ci·M + q filters input channel ci alone. Gives [N, C·M, OH, OW]. Direct kernels (no im2col).</summary>
    public static Tensor DepthwiseConv2D(Tensor x, Tensor w, Tensor? b, int strideH, int strideW, ConvPadding padding,
        int dilationH = 1, int dilationW = 1)
    {
        const string op = "depthwise_conv2d";
        RequireFloat(op, x);
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {x.Shape}.");
        RequireSameKind(op, x, w);
        var c = x.Shape[1];
        if (w.Rank != 4 || w.Shape[1] != 1 || w.Shape[0] % c != 0 || w.Shape[0] == 0)
            throw new ArgumentException($"{op}: the kernel must have shape (channels · depth_multiplier, 1, kernel_h, kernel_w) with channels = {c} (input shape {x.Shape}); received {w.Shape}.");
        var f = w.Shape[0];
        if (b is not null)
        {
            RequireSameKind(op, x, b);
            if (b.Rank != 1 || b.Size != f)
                throw new ArgumentException($"{op}: bias must have shape ({f},) to match the kernel {w.Shape}; received {b.Shape}.");
        }
        var g = Conv2DGeometry.Create(x.Shape, (w.Shape[2], w.Shape[3]), (strideH, strideW), padding, (dilationH, dilationW), f, groups: c, op);
        var (n, pixels) = (g.N, g.OH * g.OW);
        var y = Tensor.Empty(Shape.Of(n, f, g.OH, g.OW), x.DType, x.Device);
        x.Backend.DepthwiseConv2DForward(x, w, y, g);
        if (b is not null) x.Backend.BiasAddForward(y, b, y, n, f, pixels); // elementwise, so in place is safe
        var saved = (x, w, b, g);
        if (b is null) Tape.Record(op, y, [x, w], saved, static (in s, dy, grad) => DepthwiseBackward(s, dy, grad));
        else Tape.Record(op, y, [x, w, b], saved, static (in s, dy, grad) => DepthwiseBackward(s, dy, grad));
        return y;
    }

    private static void DepthwiseBackward(in (Tensor X, Tensor W, Tensor? B, Conv2DGeometry G) s, Tensor dy, GradOf grad)
    {
        var (x, w, b, g) = s;
        var bk = dy.Backend;
        if (grad(x) is { } dx)
            bk.DepthwiseConv2DBackwardInput(dy, w, dx, g);
        if (grad(w) is { } dw)
            bk.DepthwiseConv2DBackwardFilter(x, dy, dw, g);
        if (b is not null && grad(b) is { } db) bk.BiasAddBackward(dy, db, g.N, w.Shape[0], g.OH * g.OW);
    }
}
