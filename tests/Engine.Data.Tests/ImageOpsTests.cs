namespace Engine.Data.Tests;

public class ImageOpsTests
{
    [Fact]
    public void Hwc_to_chw_moves_channels_to_planes()
    {
        byte[] hwc = [1, 2, 3, 4, 5, 6]; // 1x2 pixels, 3 channels
        var chw = new float[6];
        ImageOps.HwcToChw(hwc, 1, 2, 3, chw);
        Assert.Equal([1f, 4, 2, 5, 3, 6], chw);
    }

    [Fact]
    public void Bilinear_upscale_uses_pixel_centres_like_tf_image_resize()
    {
        // tf.image.resize([[0, 100]], (1, 4), "bilinear") with half-pixel centres gives
        // source x = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped: 0, 25, 75, 100.
        var dst = new float[4];
        ImageOps.ResizeBilinear([0, 100], 1, 2, 1, dst, 1, 4);
        Assert.Equal([0f, 25f, 75f, 100f], dst);
    }

    [Fact]
    public void Bilinear_downscale_by_two_averages_pairs()
    {
        // Halving samples at source 0.5, 2.5: the mean of each pair of columns.
        var dst = new float[2];
        ImageOps.ResizeBilinear([10, 20, 30, 50], 1, 4, 1, dst, 1, 2);
        Assert.Equal([15f, 40f], dst);
    }

    [Fact]
    public void Same_size_resize_is_exact()
    {
        var src = TestImages.Pattern(5, 3, 3, 9);
        var a = new float[45];
        var b = new float[45];
        ImageOps.ResizeBilinear(src, 3, 5, 3, a, 3, 5);
        ImageOps.HwcToChw(src, 3, 5, 3, b);
        Assert.Equal(b, a);
    }

    [Fact]
    public void Warp_with_the_identity_map_copies()
    {
        var src = Enumerable.Range(0, 2 * 3 * 4).Select(i => (float)i).ToArray();
        var dst = new float[src.Length];
        ImageOps.WarpAffine(src, dst, 2, 3, 4, [1, 0, 0, 0, 1, 0]);
        Assert.Equal(src, dst);
    }

    [Theory]
    [InlineData(FillMode.Nearest, new float[] { 0, 0, 0, 1 })]
    [InlineData(FillMode.Constant, new float[] { 9, 9, 0, 1 })]
    [InlineData(FillMode.Reflect, new float[] { 1, 0, 0, 1 })] // d c b a | a b c d
    [InlineData(FillMode.Wrap, new float[] { 2, 3, 0, 1 })]
    public void Fill_modes_follow_keras(FillMode mode, float[] expected)
    {
        // Row [0, 1, 2, 3] shifted right by 2: output x samples source x - 2.
        var dst = new float[4];
        ImageOps.WarpAffine([0, 1, 2, 3], dst, 1, 1, 4, [1, 0, -2, 0, 1, 0], mode, fillValue: 9);
        Assert.Equal(expected, dst);
    }

    [Fact]
    public void Wrong_buffer_sizes_are_reported()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageOps.FlipHorizontal(new float[5], 1, 2, 3));
        Assert.Contains("(1, 2, 3) has 6 values; received 5", e.Message);
    }
}
