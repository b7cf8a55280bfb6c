namespace Engine.Layers;

/// <summary>Amounts for the four borders of an image, for ZeroPadding2D and Cropping2D. Converts
/// from Keras's three forms: an int (every side), (h, w) (h rows at top and bottom, w columns at left
/// and right) and ((top, bottom), (left, right)).</summary>
public readonly record struct Pad2(int Top, int Bottom, int Left, int Right)
{
    public static implicit operator Pad2(int all) => new(all, all, all, all);

    public static implicit operator Pad2((int Height, int Width) symmetric) =>
        new(symmetric.Height, symmetric.Height, symmetric.Width, symmetric.Width);

    public static implicit operator Pad2(((int Top, int Bottom) Height, (int Left, int Right) Width) sides) =>
        new(sides.Height.Top, sides.Height.Bottom, sides.Width.Left, sides.Width.Right);

    public override string ToString() => $"(({Top}, {Bottom}), ({Left}, {Right}))";

    internal void RequireNonNegative(string layer, string what)
    {
        if (Top < 0 || Bottom < 0 || Left < 0 || Right < 0)
            throw new ArgumentException($"{layer}: {what} amounts must be >= 0; received {what}={this}.", what);
    }
}
