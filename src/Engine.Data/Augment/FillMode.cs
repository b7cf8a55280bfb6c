namespace Engine.Data;

/// <summary>What geometric augmentation puts where the moved image leaves the frame (Keras's fill_mode).</summary>
public enum FillMode
{
    /// <summary>Repeat the nearest edge pixel: aaaa|abcd|dddd (ImageDataGenerator's default).</summary>
    Nearest,

    /// <summary>A constant (<see cref="Augmentation.FillValue"/>): kkkk|abcd|kkkk.</summary>
    Constant,

    /// <summary>Mirror about the edge: dcba|abcd|dcba.</summary>
    Reflect,

    /// <summary>Tile: abcd|abcd|abcd.</summary>
    Wrap,
}
