namespace Engine.Layers;

/// <summary>Output sizes of the convolution layers (the same rules as the ops, see
/// <see cref="ConvPadding.Along"/>), for ComputeOutputShape without running anything.</summary>
internal static class ConvShapes
{
    /// <summary>(oh, ow), or (≤ 0, ≤ 0) when the (dilated) kernel does not fit.</summary>
    public static (int Oh, int Ow) Spatial(int h, int w, Size2 kernel, Size2 strides, Size2 dilation, ConvPadding padding)
    {
        var oh = padding.Along(h, (kernel.Height - 1) * dilation.Height + 1, strides.Height, height: true).Out;
        var ow = padding.Along(w, (kernel.Width - 1) * dilation.Width + 1, strides.Width, height: false).Out;
        return (oh, ow);
    }

    /// <summary>The message for a kernel that does not fit the image.</summary>
    public static string TooLarge(Size2 kernel, Size2 dilation, ConvPadding padding, int[] inputShape)
    {
        var dil = dilation == new Size2(1, 1) ? "" : $" with dilation rate {dilation}";
        return $"the kernel {kernel}{dil} is larger than the input's spatial size ({inputShape[1]}, {inputShape[2]}) with padding {padding.Quoted}. Full shape received: {Layer.WithBatch(inputShape)}.";
    }
}
