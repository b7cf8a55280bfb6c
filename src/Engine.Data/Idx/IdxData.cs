namespace Engine.Data;

/// <summary>The contents of one idx file of unsigned bytes: its dimensions (for MNIST images
/// [count, rows, cols], for labels [count]) and the row-major bytes.</summary>
public sealed record IdxData(int[] Dimensions, byte[] Data)
{
    /// <summary>The first dimension: number of images or labels.</summary>
    public int Count => Dimensions.Length == 0 ? 0 : Dimensions[0];

    /// <summary>The magic number this data is written with: 0x800 | number of dimensions.</summary>
    public int Magic => 0x800 | Dimensions.Length;
}
