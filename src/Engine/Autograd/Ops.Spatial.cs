using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Zero padding of NCHW x: [N, C, H, W] → [N, C, top + H + bottom, left + W + right]
    /// (Keras's ZeroPadding2D).</summary>
    public static Tensor ZeroPad2D(Tensor x, int top, int bottom, int left, int right)
    {
        const string op = "zero_padding2d";
        RequireImage(op, x);
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new ArgumentException($"{op}: padding amounts must be >= 0; received ((top, bottom), (left, right)) = (({top}, {bottom}), ({left}, {right})).");
        return Pad2D(op, x, Pad2DGeometry.Padding(x.Shape, (top, bottom), (left, right)));
    }

    /// <summary>Removes rows/columns from the borders of NCHW x: [N, C, H, W] → [N, C, H − top −
    /// bottom, W − left − right] (Keras's Cropping2D).</summary>
    public static Tensor Crop2D(Tensor x, int top, int bottom, int left, int right)
    {
        const string op = "cropping2d";
        RequireImage(op, x);
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new ArgumentException($"{op}: cropping amounts must be >= 0; received ((top, bottom), (left, right)) = (({top}, {bottom}), ({left}, {right})).");
        var (oh, ow) = (x.Shape[2] - top - bottom, x.Shape[3] - left - right);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: cropping (({top}, {bottom}), ({left}, {right})) leaves nothing of the input's spatial size ({x.Shape[2]}, {x.Shape[3]}) (input shape {x.Shape}).");
        return Pad2D(op, x, Pad2DGeometry.Cropping(x.Shape, (top, bottom), (left, right)));
    }

    /// <summary>Shared by padding and cropping: output pixel (oy, ox) is input pixel (oy − top, ox − left).</summary>
    private static Tensor Pad2D(string op, Tensor x, Pad2DGeometry g)
    {
        var y = Tensor.Empty(Shape.Of(x.Shape[0], x.Shape[1], g.OH, g.OW), x.DType, x.Device);
        x.Backend.Pad2DForward(x, y, g);
        Tape.Record(op, y, [x], (x, g), static (in s, dy, grad) =>
        {
            if (dy.Backend is CpuBackend && dy.DType == DType.Float32)
            {
                // The float32 kernel writes every element of dx when it is the gradient's first writer: no zero fill first.
                if (BackwardPass.GradToOverwrite(grad, s.x, out var assign) is { } dx) CpuBackend.Pad2DFloat(dy, dx, s.g, backward: true, assign);
            }
            else if (grad(s.x) is { } dx) dy.Backend.Pad2DBackward(dy, dx, s.g);
        });
        return y;
    }

    /// <summary>Nearest-neighbour upsampling of NCHW x by (sizeH, sizeW): every pixel becomes a
    /// sizeH × sizeW block (Keras's UpSampling2D, interpolation "nearest").</summary>
    public static Tensor UpSampling2D(Tensor x, int sizeH, int sizeW)
    {
        const string op = "up_sampling2d";
        RequireImage(op, x);
        if (sizeH < 1 || sizeW < 1)
            throw new ArgumentException($"{op}: size must be positive; received ({sizeH}, {sizeW}).");
        var g = UpSampling2DGeometry.Create(x.Shape, (sizeH, sizeW));
        var y = Tensor.Empty(new Shape(x.Shape[0], x.Shape[1], checked(g.H * g.SH), checked(g.W * g.SW)), x.DType, x.Device);
        x.Backend.UpSampling2DForward(x, y, g);
        Tape.Record(op, y, [x], (x, g), static (in s, dy, grad) =>
        {
            if (grad(s.x) is { } dx) dy.Backend.UpSampling2DBackward(dy, dx, s.g);
        });
        return y;
    }

    private static void RequireImage(string op, Tensor x)
    {
        RequireFloat(op, x);
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {x.Shape}.");
    }
}
