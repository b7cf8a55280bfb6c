using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Geometry of a (possibly dilated, explicitly padded) convolution window over NCHW x:
    /// input size, kernel, strides, leading padding, dilation and output size.</summary>
    private readonly record struct ConvWindow(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW)
    {
        public bool Dilated => DH != 1 || DW != 1;
    }

    /// <summary>Output size and leading padding (<see cref="ConvPadding.Along"/>): Keras/TensorFlow
    /// rules extended to dilation and explicit padding.</summary>
    private static ConvWindow ConvGeometry(string op, Tensor x, int kh, int kw, int sh, int sw, ConvPadding padding, int dh, int dw)
    {
        var (h, w) = (x.Shape[2], x.Shape[3]);
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
            throw new ArgumentException($"{op}: the kernel size ({kh}, {kw}){dil} is larger than the input's spatial size ({h}, {w}) (input shape {x.Shape}) with padding {padding.Quoted}; use padding 'same', more padding or a smaller kernel.");
        }
        return new ConvWindow(x.Shape[0], x.Shape[1], h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }

    /// <summary>Rows [first, first + count) of the row-major matrix t (cols columns) as a view, for
    /// per-group GEMMs.</summary>
    private static Tensor RowBlock(Tensor t, int first, int count, int cols) =>
        Tensor.ViewOf(t.Storage, new Shape(count, cols), t.Offset + first * cols);
}
