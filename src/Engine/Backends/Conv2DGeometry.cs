using System.Runtime.CompilerServices;
using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Where a 2-D convolution's kernel reads NCHW input [N, C, H, W]: output pixel (oy, ox),
/// kernel tap (i, j) reads input row oy·SH − PH + i·DH, column ox·SW − PW + j·DW (zero outside).
/// F filters in <see cref="Groups"/> groups (a depthwise convolution has Groups = C and F = C·multiplier).
/// The backend's convolution calls (im2col, col2im, depthwise) take this one value instead of a row of
/// positional ints; build it with <see cref="Create"/>, which applies the padding rules, so height and
/// width, stride and padding cannot trade places at a call.</summary>
public readonly record struct Conv2DGeometry
{
    /// <summary>Batch size.</summary>
    public int N { get; init; }

    /// <summary>Input channels.</summary>
    public int C { get; init; }

    /// <summary>Output channels (filters).</summary>
    public int F { get; init; }

    /// <summary>Channel groups: output block g sees only input block g (1 = an ordinary convolution).</summary>
    public int Groups { get; init; }

    public int H { get; init; }

    public int W { get; init; }

    public int KH { get; init; }

    public int KW { get; init; }

    public int SH { get; init; }

    public int SW { get; init; }

    /// <summary>Leading (top) padding; the bottom padding is whatever makes <see cref="OH"/> fit.</summary>
    public int PH { get; init; }

    /// <summary>Leading (left) padding.</summary>
    public int PW { get; init; }

    public int DH { get; init; }

    public int DW { get; init; }

    public int OH { get; init; }

    public int OW { get; init; }

    public bool Dilated => DH != 1 || DW != 1;

    /// <summary>Depth multiplier of a depthwise convolution: filters per input channel.</summary>
    public int Multiplier => F / C;

    /// <summary>Elements of the input, of the output, and of the unfolded input (im2col's [C·KH·KW, N·OH·OW]).</summary>
    public long InputSize => (long)N * C * H * W;

    public long OutputSize => (long)N * F * OH * OW;

    public long ColumnsSize => (long)C * KH * KW * N * OH * OW;

    /// <summary>Rows of the unfolded input (im2col's C·KH·KW).</summary>
    internal int ColumnRows => C * KH * KW;

    /// <summary>The geometry of convolving NCHW <paramref name="input"/> with a kernel of
    /// <paramref name="kernel"/> taps: output size and leading padding by Keras/TensorFlow's rules
    /// ('valid', 'same'), extended to dilation and explicit padding (<see cref="ConvPadding"/>).
    /// <paramref name="filters"/> defaults to the input's channels. Errors name <paramref name="op"/>.</summary>
    public static Conv2DGeometry Create(Shape input, (int H, int W) kernel, (int H, int W) stride, ConvPadding padding,
        (int H, int W)? dilation = null, int? filters = null, int groups = 1, string op = "conv2d")
    {
        if (input.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {input}.");
        var (h, w) = (input[2], input[3]);
        var (kh, kw) = kernel;
        var (sh, sw) = stride;
        var (dh, dw) = dilation ?? (1, 1);
        if (kh < 1 || kw < 1)
            throw new ArgumentException($"{op}: kernel size must be positive; received ({kh}, {kw}).");
        if (sh < 1 || sw < 1)
            throw new ArgumentException($"{op}: strides must be positive; received ({sh}, {sw}).");
        if (dh < 1 || dw < 1)
            throw new ArgumentException($"{op}: dilation rate must be positive; received ({dh}, {dw}).");
        padding = padding.Validate(op);
        var (spanH, spanW) = ((kh - 1) * dh + 1, (kw - 1) * dw + 1);
        var (oh, ph) = padding.Along(h, spanH, sh, height: true);
        var (ow, pw) = padding.Along(w, spanW, sw, height: false);
        if (oh <= 0 || ow <= 0)
        {
            var dil = dh == 1 && dw == 1 ? "" : $" with dilation ({dh}, {dw}) (it spans ({spanH}, {spanW}) pixels)";
            throw new ArgumentException($"{op}: the kernel size ({kh}, {kw}){dil} is larger than the input's spatial size ({h}, {w}) (input shape {input}) with padding {padding.Quoted}; use padding 'same', more padding or a smaller kernel.");
        }
        return new Conv2DGeometry
        {
            N = input[0], C = input[1], F = filters ?? input[1], Groups = groups, H = h, W = w,
            KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, DH = dh, DW = dw, OH = oh, OW = ow,
        };
    }

    /// <summary>This geometry, if it is a depthwise one (one group per input channel, a whole number
    /// of filters per group); else an error naming the calling kernel.</summary>
    internal Conv2DGeometry RequireDepthwise([CallerMemberName] string method = "")
    {
        if (Groups != C || C <= 0 || F % C != 0)
            throw new ArgumentException($"{KernelNames.Of(method)}: a depthwise geometry needs groups = channels and filters a multiple of channels; received channels {C}, groups {Groups}, filters {F}.");
        return this;
    }
}
