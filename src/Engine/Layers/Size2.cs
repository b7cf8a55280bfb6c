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
}
