using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Where a 2-D pooling window reads NCHW input [N, C, H, W]: output pixel (oy, ox) covers
/// input rows [oy·SH − PH, oy·SH − PH + KH) and columns [ox·SW − PW, ox·SW − PW + KW), clipped to the
/// image. The backend's pooling calls take this one value instead of a row of positional ints;
/// build it with <see cref="Create"/>, which applies Keras's padding rules.</summary>
public readonly record struct Pool2DGeometry
{
    /// <summary>Batch size.</summary>
    public int N { get; init; }

    /// <summary>Channels (pooling keeps them).</summary>
    public int C { get; init; }

    public int H { get; init; }

    public int W { get; init; }

    /// <summary>Window (pool) height and width.</summary>
    public int KH { get; init; }

    public int KW { get; init; }

    public int SH { get; init; }

    public int SW { get; init; }

    /// <summary>Leading (top) padding; with 'same' the odd row goes after.</summary>
    public int PH { get; init; }

    /// <summary>Leading (left) padding.</summary>
    public int PW { get; init; }

    public int OH { get; init; }

    public int OW { get; init; }

    /// <summary>Elements of the input and of the output.</summary>
    public long InputSize => (long)N * C * H * W;

    public long OutputSize => (long)N * C * OH * OW;

    /// <summary>The part [y0, y1) × [x0, x1) of output pixel (oy, ox)'s window that lies inside the image.</summary>
    public (int Y0, int Y1, int X0, int X1) InsideWindow(int oy, int ox)
    {
        var (top, left) = (oy * SH - PH, ox * SW - PW);
        return (Math.Max(top, 0), Math.Min(top + KH, H), Math.Max(left, 0), Math.Min(left + KW, W));
    }

    /// <summary>The geometry of pooling NCHW <paramref name="input"/> with <paramref name="pool"/>
    /// windows moved by <paramref name="stride"/>: output size and leading padding by Keras/TensorFlow's
    /// rules (see <see cref="Padding"/>). Errors name <paramref name="op"/>.</summary>
    public static Pool2DGeometry Create(Shape input, (int H, int W) pool, (int H, int W) stride, Padding padding, string op = "pooling2d")
    {
        if (input.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {input}.");
        var (h, w) = (input[2], input[3]);
        var (kh, kw) = pool;
        var (sh, sw) = stride;
        if (kh < 1 || kw < 1)
            throw new ArgumentException($"{op}: pool size must be positive; received ({kh}, {kw}).");
        if (sh < 1 || sw < 1)
            throw new ArgumentException($"{op}: strides must be positive; received ({sh}, {sw}).");
        if (!Enum.IsDefined(padding))
            throw new ArgumentException($"{op}: padding must be Padding.Valid or Padding.Same; received {(int)padding}.");
        if (padding == Padding.Valid && (kh > h || kw > w))
            throw new ArgumentException($"{op}: the pool size ({kh}, {kw}) is larger than the input's spatial size ({h}, {w}) (input shape {input}) with padding 'valid'; use padding 'same' or a smaller pool.");
        var (oh, ph) = OutputAndPad(h, kh, sh, padding);
        var (ow, pw) = OutputAndPad(w, kw, sw, padding);
        return new Pool2DGeometry { N = input[0], C = input[1], H = h, W = w, KH = kh, KW = kw, SH = sh, SW = sw, PH = ph, PW = pw, OH = oh, OW = ow };
    }

    private static (int Out, int PadBefore) OutputAndPad(int size, int kernel, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((size - kernel) / stride + 1, 0);
        var output = (size + stride - 1) / stride;
        var total = Math.Max((output - 1) * stride + kernel - size, 0);
        return (output, total / 2); // the odd pixel of padding goes after (bottom/right)
    }
}
