namespace Engine.Data;

/// <summary>Plain pixel operations on single images: layout conversion, bilinear resize, flips and
/// affine warps. Decoded files are HWC bytes (as stored); everything after decoding is CHW floats
/// (one plane per channel, the NCHW layout of the engine).</summary>
public static class ImageOps
{
    /// <summary>Copies HWC bytes into CHW floats without changing values (0..255).</summary>
    public static void HwcToChw(ReadOnlySpan<byte> src, int height, int width, int channels, Span<float> dst)
    {
        CheckLengths(src.Length, dst.Length, height, width, channels, height, width);
        var plane = height * width;
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < channels; c++)
                dst[c * plane + p] = src[p * channels + c];
    }

    /// <summary>Bilinear resize of HWC bytes into CHW floats, sampling at pixel centres like
    /// tf.image.resize (half_pixel_centers, no antialiasing), which Keras's image loading uses.</summary>
    public static void ResizeBilinear(ReadOnlySpan<byte> src, int srcHeight, int srcWidth, int channels,
        Span<float> dst, int dstHeight, int dstWidth) =>
        ResizeBilinear(src, srcHeight, srcWidth, channels, 0, 0, srcHeight, srcWidth, dst, dstHeight, dstWidth);

    /// <summary>Bilinear resize of the window [top, top+cropHeight) x [left, left+cropWidth) of HWC bytes
    /// into CHW floats of dstHeight x dstWidth.</summary>
    public static void ResizeBilinear(ReadOnlySpan<byte> src, int srcHeight, int srcWidth, int channels,
        int top, int left, int cropHeight, int cropWidth, Span<float> dst, int dstHeight, int dstWidth)
    {
        CheckLengths(src.Length, dst.Length, srcHeight, srcWidth, channels, dstHeight, dstWidth);
        if (top < 0 || left < 0 || cropHeight < 1 || cropWidth < 1 || top + cropHeight > srcHeight || left + cropWidth > srcWidth)
            throw new ArgumentException($"crop window ({top}, {left}, {cropHeight}, {cropWidth}) does not fit a {srcHeight}x{srcWidth} image.");
        if (top == 0 && left == 0 && cropHeight == dstHeight && cropWidth == dstWidth && srcHeight == dstHeight && srcWidth == dstWidth)
        {
            HwcToChw(src, dstHeight, dstWidth, channels, dst);
            return;
        }

        // Column taps are the same for every row: compute them once.
        Span<int> x0 = dstWidth <= 1024 ? stackalloc int[dstWidth] : new int[dstWidth];
        Span<int> x1 = dstWidth <= 1024 ? stackalloc int[dstWidth] : new int[dstWidth];
        Span<float> fx = dstWidth <= 1024 ? stackalloc float[dstWidth] : new float[dstWidth];
        for (var x = 0; x < dstWidth; x++)
            (x0[x], x1[x], fx[x]) = Tap(x, (double)cropWidth / dstWidth, cropWidth, left);

        var plane = dstHeight * dstWidth;
        var rowStride = srcWidth * channels;
        for (var y = 0; y < dstHeight; y++)
        {
            var (y0, y1, fy) = Tap(y, (double)cropHeight / dstHeight, cropHeight, top);
            var row0 = src.Slice(y0 * rowStride, rowStride);
            var row1 = src.Slice(y1 * rowStride, rowStride);
            for (var x = 0; x < dstWidth; x++)
            {
                int a = x0[x] * channels, b = x1[x] * channels;
                var wx = fx[x];
                for (var c = 0; c < channels; c++)
                {
                    float top0 = row0[a + c], top1 = row0[b + c], bot0 = row1[a + c], bot1 = row1[b + c];
                    var upper = top0 + (top1 - top0) * wx;
                    var lower = bot0 + (bot1 - bot0) * wx;
                    dst[c * plane + y * dstWidth + x] = upper + (lower - upper) * fy;
                }
            }
        }
    }

    /// <summary>The two source indices and the weight of the second for output index i.</summary>
    private static (int I0, int I1, float Frac) Tap(int i, double scale, int size, int offset)
    {
        var at = Math.Clamp((i + 0.5) * scale - 0.5, 0, size - 1);
        var i0 = (int)at;
        var i1 = Math.Min(i0 + 1, size - 1);
        return (offset + i0, offset + i1, (float)(at - i0));
    }

    /// <summary>Mirrors each row in place (left becomes right). Applying it twice restores the image.</summary>
    public static void FlipHorizontal(Span<float> chw, int channels, int height, int width)
    {
        CheckChw(chw.Length, channels, height, width);
        for (var r = 0; r < channels * height; r++)
            chw.Slice(r * width, width).Reverse();
    }

    /// <summary>Mirrors each column in place (top becomes bottom).</summary>
    public static void FlipVertical(Span<float> chw, int channels, int height, int width)
    {
        CheckChw(chw.Length, channels, height, width);
        var plane = height * width;
        for (var c = 0; c < channels; c++)
            for (int top = 0, bottom = height - 1; top < bottom; top++, bottom--)
            {
                var a = chw.Slice(c * plane + top * width, width);
                var b = chw.Slice(c * plane + bottom * width, width);
                for (var x = 0; x < width; x++) (a[x], b[x]) = (b[x], a[x]);
            }
    }

    /// <summary>Resamples <paramref name="src"/> into <paramref name="dst"/> (both CHW, same size):
    /// output pixel (x, y) takes the bilinear sample at source point
    /// (m[0]·x + m[1]·y + m[2], m[3]·x + m[4]·y + m[5]); points outside follow <paramref name="fill"/>.</summary>
    public static void WarpAffine(ReadOnlySpan<float> src, Span<float> dst, int channels, int height, int width,
        ReadOnlySpan<double> m, FillMode fill = FillMode.Nearest, float fillValue = 0)
    {
        CheckChw(src.Length, channels, height, width);
        CheckChw(dst.Length, channels, height, width);
        if (m.Length != 6) throw new ArgumentException($"an affine map has 6 coefficients; received {m.Length}.", nameof(m));
        var plane = height * width;
        for (var y = 0; y < height; y++)
        {
            // The source point moves by (m[0], m[3]) per output column: start of row plus steps.
            double rowX = m[1] * y + m[2], rowY = m[4] * y + m[5];
            for (var x = 0; x < width; x++)
            {
                var sx = m[0] * x + rowX;
                var sy = m[3] * x + rowY;
                var fx0 = Math.Floor(sx);
                var fy0 = Math.Floor(sy);
                var wx = (float)(sx - fx0);
                var wy = (float)(sy - fy0);
                int ix0 = (int)Math.Clamp(fx0, -1e6, 1e6), iy0 = (int)Math.Clamp(fy0, -1e6, 1e6);
                var at = y * width + x;
                if ((uint)ix0 < (uint)(width - 1) && (uint)iy0 < (uint)(height - 1))
                {
                    // All four taps inside the image: the common case, no fill rule needed.
                    var tap = iy0 * width + ix0;
                    for (var c = 0; c < channels; c++)
                    {
                        var p = src.Slice(c * plane + tap, width + 2);
                        var upper = p[0] + (p[1] - p[0]) * wx;
                        var lower = p[width] + (p[width + 1] - p[width]) * wx;
                        dst[c * plane + at] = upper + (lower - upper) * wy;
                    }
                    continue;
                }
                int xa = Index(ix0, width, fill), xb = Index(ix0 + 1, width, fill);
                int ya = Index(iy0, height, fill), yb = Index(iy0 + 1, height, fill);
                for (var c = 0; c < channels; c++)
                {
                    var p = src.Slice(c * plane, plane);
                    var v00 = Sample(p, ya, xa, width, fillValue);
                    var v01 = Sample(p, ya, xb, width, fillValue);
                    var v10 = Sample(p, yb, xa, width, fillValue);
                    var v11 = Sample(p, yb, xb, width, fillValue);
                    var upper = v00 + (v01 - v00) * wx;
                    var lower = v10 + (v11 - v10) * wx;
                    dst[c * plane + at] = upper + (lower - upper) * wy;
                }
            }
        }
    }

    /// <summary>Maps a possibly out-of-range index into the image by the fill rule; -1 means "use
    /// the constant".</summary>
    private static int Index(int i, int n, FillMode fill)
    {
        if ((uint)i < (uint)n) return i;
        switch (fill)
        {
            case FillMode.Nearest: return Math.Clamp(i, 0, n - 1);
            case FillMode.Wrap: return ((i % n) + n) % n;
            case FillMode.Reflect:
                var period = 2 * n;
                var m = ((i % period) + period) % period;
                return m < n ? m : period - 1 - m;
            default: return -1;
        }
    }

    private static float Sample(ReadOnlySpan<float> plane, int y, int x, int width, float fillValue) =>
        y < 0 || x < 0 ? fillValue : plane[y * width + x];

    private static void CheckLengths(int srcLength, int dstLength, int srcHeight, int srcWidth, int channels, int dstHeight, int dstWidth)
    {
        if (srcHeight < 1 || srcWidth < 1 || dstHeight < 1 || dstWidth < 1 || channels < 1)
            throw new ArgumentException($"image sizes must be positive; received source {srcHeight}x{srcWidth}x{channels}, destination {dstHeight}x{dstWidth}.");
        if (srcLength != srcHeight * srcWidth * channels)
            throw new ArgumentException($"a {srcHeight}x{srcWidth} image with {channels} channels has {srcHeight * srcWidth * channels} values; the source has {srcLength}.");
        if (dstLength != dstHeight * dstWidth * channels)
            throw new ArgumentException($"a {dstHeight}x{dstWidth} image with {channels} channels has {dstHeight * dstWidth * channels} values; the destination has {dstLength}.");
    }

    private static void CheckChw(int length, int channels, int height, int width)
    {
        if (length != channels * height * width)
            throw new ArgumentException($"a CHW image of ({channels}, {height}, {width}) has {channels * height * width} values; received {length}.");
    }
}
