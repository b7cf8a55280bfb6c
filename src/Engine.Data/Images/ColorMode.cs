namespace Engine.Data;

/// <summary>Channels images are decoded to, whatever the file stores (Keras's color_mode).</summary>
public enum ColorMode
{
    /// <summary>1 channel (luma).</summary>
    Grayscale,

    /// <summary>3 channels; an alpha channel in the file is dropped.</summary>
    Rgb,

    /// <summary>4 channels; files without alpha get 255.</summary>
    Rgba,
}

public static class ColorModes
{
    public static int Channels(this ColorMode mode) => mode switch
    {
        ColorMode.Grayscale => 1,
        ColorMode.Rgb => 3,
        ColorMode.Rgba => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "expected Grayscale, Rgb or Rgba"),
    };
}
