namespace Engine.Layers;

/// <summary>A (height, width) pair for kernel sizes, strides and pool sizes. Converts from an int
/// (square) or a tuple, so <c>new Conv2D(32, 3)</c> and <c>new Conv2D(32, (3, 3))</c> both read
/// like Keras.</summary>
public readonly record struct Size2(int Height, int Width)
{
    public static implicit operator Size2(int size) => new(size, size);

    public static implicit operator Size2((int Height, int Width) size) => new(size.Height, size.Width);

    public override string ToString() => $"({Height}, {Width})";

    internal void RequirePositive(string layer, string what)
    {
        if (Height <= 0 || Width <= 0)
            throw new ArgumentException($"{layer}: {what} must be positive; received {this}.");
    }

    /// <summary>A convolution's strides and dilation rate (default 1), checked as Keras checks them:
    /// both positive, and not both above 1.</summary>
    internal static (Size2 Strides, Size2 DilationRate) ConvStridesAndDilation(string layer, Size2? strides, Size2? dilationRate)
    {
        var s = strides ?? 1;
        s.RequirePositive(layer, "strides");
        var d = dilationRate ?? 1;
        d.RequirePositive(layer, "dilationRate");
        if (d != new Size2(1, 1) && s != new Size2(1, 1))
            throw new ArgumentException($"{layer}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides={s} and dilation_rate={d}", nameof(dilationRate));
        return (s, d);
    }
}
