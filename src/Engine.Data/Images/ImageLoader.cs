using Engine.Tensors;
using StbImageSharp;

namespace Engine.Data;

/// <summary>Decodes PNG, JPEG, BMP and GIF (first frame) files with StbImageSharp into float CHW
/// images with values 0..255, converted to the requested channels and resized bilinearly. This is
/// what the image datasets use per sample, and what prediction on single files should use so that
/// it sees the images exactly as training did.</summary>
public static class ImageLoader
{
    /// <summary>Loads one image as a [1, C, H, W] float32 tensor with values 0..255 (the file's own
    /// size when <paramref name="imageSize"/> is null).</summary>
    public static Tensor Load(string path, ColorMode colorMode = ColorMode.Rgb, (int Height, int Width)? imageSize = null,
        bool cropToAspectRatio = false)
    {
        try
        {
            var image = Decode(path, colorMode);
            var (h, w) = imageSize ?? (image.Height, image.Width);
            var c = colorMode.Channels();
            var data = new float[c * h * w];
            ResizeInto(image, c, h, w, cropToAspectRatio, data);
            return Tensor.FromArray(data, new Shape(1, c, h, w));
        }
        catch (SampleLoadException e)
        {
            throw new InvalidDataException(e.Message, e.InnerException);
        }
    }

    /// <summary>Null when <paramref name="path"/> is a complete image that decodes; otherwise the reason
    /// it is not (missing, unreadable, unsupported format, truncated, damaged inside), for a message.</summary>
    public static string? Problem(string path) =>
        !File.Exists(path) ? "file not found" : ImageFileCheck.Problem(path) ?? ImageFileCheck.DecodeProblem(path);

    /// <summary>Decodes <paramref name="path"/> into <paramref name="destination"/> (C x height x width
    /// floats); failures become a <see cref="SampleLoadException"/> naming the file.</summary>
    internal static void DecodeInto(string path, ColorMode colorMode, int height, int width, bool cropToAspectRatio, Span<float> destination) =>
        ResizeInto(Decode(path, colorMode), colorMode.Channels(), height, width, cropToAspectRatio, destination);

    private static ImageResult Decode(string path, ColorMode colorMode)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SampleLoadException(new DataProblem(path, $"cannot be read ({e.Message})"), e);
        }
        try
        {
            var requested = colorMode switch
            {
                ColorMode.Grayscale => ColorComponents.Grey,
                ColorMode.Rgba => ColorComponents.RedGreenBlueAlpha,
                _ => ColorComponents.RedGreenBlue,
            };
            var image = ImageResult.FromMemory(bytes, requested);
            if (image.Width < 1 || image.Height < 1 || image.Data.Length != image.Width * image.Height * colorMode.Channels())
                throw new InvalidDataException($"decoder returned {image.Width}x{image.Height} with {image.Data.Length} bytes");
            return image;
        }
        catch (Exception e)
        {
            // The decoder reports corrupt data with several exception types; all mean "bad file".
            throw new SampleLoadException(new DataProblem(path, $"corrupt or unsupported image: it could not be decoded ({e.Message})"), e);
        }
    }

    private static void ResizeInto(ImageResult image, int channels, int height, int width, bool cropToAspectRatio, Span<float> destination)
    {
        int top = 0, left = 0, cropHeight = image.Height, cropWidth = image.Width;
        if (cropToAspectRatio)
        {
            // The largest centred window with the target's aspect ratio (as Keras's crop_to_aspect_ratio).
            var ratio = (double)width / height;
            cropHeight = Math.Max(1, Math.Min(image.Height, (int)(image.Width / ratio)));
            cropWidth = Math.Max(1, Math.Min(image.Width, (int)(image.Height * ratio)));
            top = (image.Height - cropHeight) / 2;
            left = (image.Width - cropWidth) / 2;
        }
        ImageOps.ResizeBilinear(image.Data, image.Height, image.Width, channels, top, left, cropHeight, cropWidth, destination, height, width);
    }
}
