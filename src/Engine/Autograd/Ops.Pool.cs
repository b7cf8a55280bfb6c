using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Max over poolSize×poolSize windows of NCHW x; the stride defaults to the pool size (Keras).</summary>
    public static Tensor MaxPool2D(Tensor x, int poolSize = 2, int? stride = null, Padding padding = Padding.Valid) =>
        MaxPool2D(x, poolSize, poolSize, stride ?? poolSize, stride ?? poolSize, padding);

    /// <summary>Max pooling; the backward sends each output gradient to the element that won its
    /// window (saved as int32 flat indices), so overlapping windows add up.</summary>
    public static Tensor MaxPool2D(Tensor x, int poolH, int poolW, int strideH, int strideW, Padding padding)
    {
        const string op = "max_pooling2d";
        var (g, y) = PoolOutput(op, x, poolH, poolW, strideH, strideW, padding);
        var argmax = Tensor.Empty(y.Shape, DType.Int32, x.Device);
        x.Backend.MaxPool2DForward(x, y, argmax, g);
        if (!Tape.WillRecord(x))
        {
            argmax.Dispose();
            return y;
        }
        Tape.Record(op, y, [x], (x, argmax, g), static (in s, dy, grad) =>
        {
            var (x, argmax, g) = s;
            if (dy.Backend is CpuBackend && dy.DType == DType.Float32)
            {
                // Every plane of dx is cleared and scattered into by the kernel: no zero fill needed first.
                if (BackwardPass.GradToOverwrite(grad, x, out var assign) is { } dx)
                    CpuBackend.MaxPoolGradPlanes(dy, argmax, dx, g, assign);
            }
            else if (grad(x) is { } dx) dy.Backend.MaxPool2DBackward(dy, argmax, dx, dy.Size);
            argmax.Dispose(); // a node's backward runs at most once
        });
        return y;
    }

    /// <summary>Mean over poolSize×poolSize windows of NCHW x; the stride defaults to the pool size.
    /// With 'same' padding only the elements inside the image are counted (Keras's rule).</summary>
    public static Tensor AvgPool2D(Tensor x, int poolSize = 2, int? stride = null, Padding padding = Padding.Valid) =>
        AvgPool2D(x, poolSize, poolSize, stride ?? poolSize, stride ?? poolSize, padding);

    public static Tensor AvgPool2D(Tensor x, int poolH, int poolW, int strideH, int strideW, Padding padding)
    {
        const string op = "average_pooling2d";
        var (g, y) = PoolOutput(op, x, poolH, poolW, strideH, strideW, padding);
        x.Backend.AvgPool2DForward(x, y, g);
        Tape.Record(op, y, [x], (x, g), static (in s, dy, grad) =>
        {
            if (grad(s.x) is { } dx)
                dy.Backend.AvgPool2DBackward(dy, dx, s.g);
        });
        return y;
    }

    /// <summary>Mean over H and W of NCHW x: [N, C, H, W] → [N, C], like Keras's GlobalAveragePooling2D.</summary>
    public static Tensor GlobalAvgPool2D(Tensor x)
    {
        const string op = "global_average_pooling2d";
        RequireFloat(op, x);
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-4 input (N, C, H, W); received shape {x.Shape}.");
        var (planes, pixels) = (x.Shape[0] * x.Shape[1], x.Shape[2] * x.Shape[3]);
        if (pixels == 0)
            throw new ArgumentException($"{op}: the input of shape {x.Shape} has no pixels to average.");
        var y = Tensor.Empty(Shape.Of(x.Shape[0], x.Shape[1]), x.DType, x.Device);
        var scale = 1.0 / pixels;
        // x viewed as [N·C, H·W, 1]: one sum per plane.
        x.Backend.SumAxisForward(x, y, planes, pixels, 1, scale);
        Tape.Record(op, y, [x], (x, planes, pixels, scale), static (in s, dy, grad) =>
        {
            var (x, planes, pixels, scale) = s;
            if (grad(x) is { } dx) dy.Backend.SumAxisBackward(dy, dx, planes, pixels, 1, scale);
        });
        return y;
    }

    /// <summary>Max over H and W of NCHW x: [N, C, H, W] → [N, C] (Keras's GlobalMaxPooling2D): a max
    /// pool whose window is the whole image, so its backward sends each gradient to the winning pixel.</summary>
    public static Tensor GlobalMaxPool2D(Tensor x)
    {
        const string op = "global_max_pooling2d";
        RequireImage(op, x);
        if (x.Shape[2] == 0 || x.Shape[3] == 0)
            throw new ArgumentException($"{op}: the input of shape {x.Shape} has no pixels to take the maximum of.");
        var pooled = MaxPool2D(x, x.Shape[2], x.Shape[3], 1, 1, Padding.Valid);
        return Reshape(pooled, x.Shape[0], x.Shape[1]);
    }

    /// <summary>The geometry of a pooling of x and its (uninitialised) NCHW output.</summary>
    private static (Pool2DGeometry G, Tensor Y) PoolOutput(string op, Tensor x, int poolH, int poolW, int strideH, int strideW, Padding padding)
    {
        RequireFloat(op, x);
        var g = Pool2DGeometry.Create(x.Shape, (poolH, poolW), (strideH, strideW), padding, op);
        return (g, Tensor.Empty(Shape.Of(g.N, g.C, g.OH, g.OW), x.DType, x.Device));
    }
}
