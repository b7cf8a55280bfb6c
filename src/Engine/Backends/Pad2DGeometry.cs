using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Zero padding, or with negative offsets cropping, of image planes [Planes, H, W] into
/// [Planes, OH, OW]: output pixel (oy, ox) is input pixel (oy − Top, ox − Left), zero where that lies
/// outside. ZeroPadding2D and Cropping2D both run on it; build it with <see cref="Padding"/> or
/// <see cref="Cropping"/>.</summary>
public readonly record struct Pad2DGeometry
{
    /// <summary>Image planes (batch × channels of NCHW).</summary>
    public int Planes { get; init; }

    public int H { get; init; }

    public int W { get; init; }

    /// <summary>Rows added above the image (negative: rows cropped from its top).</summary>
    public int Top { get; init; }

    /// <summary>Columns added left of the image (negative: columns cropped from its left).</summary>
    public int Left { get; init; }

    public int OH { get; init; }

    public int OW { get; init; }

    public long InputSize => (long)Planes * H * W;

    public long OutputSize => (long)Planes * OH * OW;

    /// <summary>NCHW <paramref name="input"/> with rows and columns of zeros added on each side.</summary>
    public static Pad2DGeometry Padding(Shape input, (int Top, int Bottom) rows, (int Left, int Right) columns) =>
        Of(input, rows.Top, columns.Left, input[2] + rows.Top + rows.Bottom, input[3] + columns.Left + columns.Right);

    /// <summary>NCHW <paramref name="input"/> with rows and columns cut from each side.</summary>
    public static Pad2DGeometry Cropping(Shape input, (int Top, int Bottom) rows, (int Left, int Right) columns) =>
        Of(input, -rows.Top, -columns.Left, input[2] - rows.Top - rows.Bottom, input[3] - columns.Left - columns.Right);

    private static Pad2DGeometry Of(Shape input, int top, int left, int oh, int ow) =>
        new() { Planes = input[0] * input[1], H = input[2], W = input[3], Top = top, Left = left, OH = oh, OW = ow };
}
