using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Nearest-neighbour upsampling of image planes [Planes, H, W] by SH × SW: output pixel
/// (oy, ox) copies input pixel (oy / SH, ox / SW), so the output is [Planes, H·SH, W·SW].</summary>
public readonly record struct UpSampling2DGeometry
{
    /// <summary>Image planes (batch × channels of NCHW).</summary>
    public int Planes { get; init; }

    public int H { get; init; }

    public int W { get; init; }

    /// <summary>Rows per input row.</summary>
    public int SH { get; init; }

    /// <summary>Columns per input column.</summary>
    public int SW { get; init; }

    public int OH => H * SH;

    public int OW => W * SW;

    public long InputSize => (long)Planes * H * W;

    public long OutputSize => (long)Planes * OH * OW;

    /// <summary>NCHW <paramref name="input"/> upsampled by <paramref name="size"/> (rows, columns).</summary>
    public static UpSampling2DGeometry Create(Shape input, (int H, int W) size) =>
        new() { Planes = input[0] * input[1], H = input[2], W = input[3], SH = size.H, SW = size.W };
}
