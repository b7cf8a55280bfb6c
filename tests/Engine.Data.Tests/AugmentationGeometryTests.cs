using Engine.Tensors;

namespace Engine.Data.Tests;

/// <summary>Pins the geometry of rotation, zoom, shift and flip on asymmetric (non-square, no
/// symmetric values) images against hand-computed pixels. The test image is linear in x and y,
/// v = 10·y + x, so bilinear sampling of it is exact and every expected value is a formula.</summary>
public class AugmentationGeometryTests
{
    private static float[] Linear(int height, int width, int channels = 1)
    {
        var v = new float[channels * height * width];
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    v[(c * height + y) * width + x] = 100 * c + 10 * y + x;
        return v;
    }

    private static float At(float[] image, int width, int y, int x) => image[y * width + x];

    [Fact]
    public void Rotation_by_180_degrees_turns_a_non_square_image_about_its_centre()
    {
        // H = 4, W = 6, centre (2.5, 1.5): out(x, y) = src(5 - x, 3 - y).
        var img = Linear(4, 6);
        new Augmentation().Warp(img, 1, 4, 6, Math.PI, 0, 0, 1);
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
                Assert.Equal(10 * (3 - y) + (5 - x), At(img, 6, y, x), 1e-3f);
    }

    [Fact]
    public void Rotation_by_90_degrees_maps_each_pixel_to_its_hand_computed_place()
    {
        // 5x5, centre (2, 2); out - C = R(90°)(src - C) with y pointing down: out(x, y) = src(y, 4 - x).
        var img = Linear(5, 5);
        new Augmentation().Warp(img, 1, 5, 5, Math.PI / 2, 0, 0, 1);
        Assert.Equal(40f, At(img, 5, 0, 0), 1e-3f);   // top-left shows the bottom-left source pixel
        Assert.Equal(0f, At(img, 5, 0, 4), 1e-3f);    // top-right shows the top-left source pixel
        Assert.Equal(22f, At(img, 5, 2, 2), 1e-3f);   // the centre stays
        for (var y = 0; y < 5; y++)
            for (var x = 0; x < 5; x++)
                Assert.Equal(10 * (4 - x) + y, At(img, 5, y, x), 1e-3f);
    }

    [Fact]
    public void Zoom_magnifies_about_the_centre_not_the_corner()
    {
        // Zoom 2 on 4x6: src = C + (out - C) / 2, so out(0, 0) samples (1.25, 0.75), out(5, 3) samples (3.75, 2.25).
        var img = Linear(4, 6);
        new Augmentation().Warp(img, 1, 4, 6, 0, 0, 0, 2);
        Assert.Equal(8.75f, At(img, 6, 0, 0), 1e-3f);
        Assert.Equal(26.25f, At(img, 6, 3, 5), 1e-3f);
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
                Assert.Equal(10 * (1.5 + (y - 1.5) / 2) + 2.5 + (x - 2.5) / 2, At(img, 6, y, x), 1e-3f);
    }

    [Fact]
    public void Shift_moves_right_and_up_by_whole_pixels_with_the_fill_entering()
    {
        // shiftX = +1, shiftY = -2: out(x, y) = src(x - 1, y + 2); outside the source is the constant -1.
        var img = Linear(4, 6);
        new Augmentation { FillMode = FillMode.Constant, FillValue = -1 }.Warp(img, 1, 4, 6, 0, 1, -2, 1);
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
            {
                var (sx, sy) = (x - 1, y + 2);
                var expected = sx >= 0 && sy < 4 ? 10 * sy + sx : -1;
                Assert.Equal(expected, At(img, 6, y, x), 1e-3f);
            }
    }

    [Fact]
    public void Flips_mirror_the_right_axis_of_a_non_square_multi_channel_image()
    {
        var h = Linear(2, 3, channels: 2);
        ImageOps.FlipHorizontal(h, 2, 2, 3);
        var v = Linear(2, 3, channels: 2);
        ImageOps.FlipVertical(v, 2, 2, 3);
        for (var c = 0; c < 2; c++)
            for (var y = 0; y < 2; y++)
                for (var x = 0; x < 3; x++)
                {
                    Assert.Equal(100 * c + 10 * y + (2 - x), h[(c * 2 + y) * 3 + x]);
                    Assert.Equal(100 * c + 10 * (1 - y) + x, v[(c * 2 + y) * 3 + x]);
                }
    }

    [Fact]
    public void Apply_warps_about_the_centre_with_the_angle_shift_and_zoom_it_draws()
    {
        // The draws, in Apply's documented order: flipH, flipV, angle, shiftX, shiftY, zoom.
        var aug = new Augmentation { RotationRange = 40, WidthShiftRange = 0.1, HeightShiftRange = 0.2, ZoomRange = 0.2 };
        const ulong seed = 77;
        var rng = new Rng(seed);
        rng.NextDouble();
        rng.NextDouble();
        var angle = (-40 + 80 * rng.NextDouble()) * Math.PI / 180;
        var shiftX = (-0.1 + 0.2 * rng.NextDouble()) * 6;
        var shiftY = (-0.2 + 0.4 * rng.NextDouble()) * 4;
        var zoom = 0.8 + 0.4 * rng.NextDouble();

        var img = Linear(4, 6);
        aug.Apply(img, 1, 4, 6, seed);

        // src = C + R(-angle)(out - C - t) / zoom; check every output pixel whose source is inside the image.
        var checkedPixels = 0;
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
            {
                double dx = x - 2.5 - shiftX, dy = y - 1.5 - shiftY;
                var sx = 2.5 + (Math.Cos(angle) * dx + Math.Sin(angle) * dy) / zoom;
                var sy = 1.5 + (-Math.Sin(angle) * dx + Math.Cos(angle) * dy) / zoom;
                if (sx < 0 || sx > 5 || sy < 0 || sy > 3) continue;
                Assert.Equal(10 * sy + sx, At(img, 6, y, x), 1e-3);
                checkedPixels++;
            }
        Assert.True(checkedPixels >= 8, $"only {checkedPixels} pixels had their source inside the image");
    }
}
