using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Softmax over the last axis.</summary>
    public static Tensor Softmax(Tensor x)
    {
        RequireFloat("softmax", x);
        var (rows, cols) = LastAxisView("softmax", x);
        var y = Tensor.EmptyLike(x);
        x.Backend.SoftmaxForward(x, y, rows, cols);
        Tape.Record("softmax", y, [x], (x, y, rows, cols), static (in s, dy, grad) =>
        {
            var (x, y, rows, cols) = s;
            if (grad(x) is { } dx) dy.Backend.SoftmaxBackward(y, dy, dx, rows, cols);
        });
        return y;
    }

    /// <summary>Log-softmax over the last axis (stable: never takes the log of a softmax).</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        RequireFloat("log_softmax", x);
        var (rows, cols) = LastAxisView("log_softmax", x);
        var y = Tensor.EmptyLike(x);
        x.Backend.LogSoftmaxForward(x, y, rows, cols);
        Tape.Record("log_softmax", y, [x], (x, y, rows, cols), static (in s, dy, grad) =>
        {
            var (x, y, rows, cols) = s;
            if (grad(x) is { } dx) dy.Backend.LogSoftmaxBackward(y, dy, dx, rows, cols);
        });
        return y;
    }

    /// <summary>Views x as [rows, cols] with cols the last axis.</summary>
    private static (int Rows, int Cols) LastAxisView(string op, Tensor x)
    {
        if (x.Rank < 1) throw new ArgumentException($"{op} needs at least one axis; received a scalar.");
        var cols = x.Shape[-1];
        return (cols == 0 ? 0 : x.Size / cols, cols);
    }
}
