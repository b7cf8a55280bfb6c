using Engine.Layers;
using Engine.Tensors;

namespace Engine.Cli.Training;

/// <summary>What a pretrained backbone expects its pixels to look like, named as Keras's
/// <c>preprocess_input(mode=...)</c> names it. The CLI's data path yields RGB pixels in [0, 255];
/// the chosen mode becomes a fixed first layer of the trained model (named "preprocess", never
/// trained), so evaluate, predict and export feed the same raw pixels the run was trained on.
/// <list type="bullet">
/// <item>none: pixels as they are (an Engine-exported model carries its own Rescaling).</item>
/// <item>caffe: RGB → BGR, minus the ImageNet means (103.939, 116.779, 123.68), no scaling
/// (ResNet18.onnx of the DnnImageFeaturizer package, CNTK/Caffe-style models).</item>
/// <item>torch: /255, minus (0.485, 0.456, 0.406), divided by (0.229, 0.224, 0.225), RGB (torchvision).</item>
/// <item>tf: scaled to [-1, 1] (MobileNet/Inception style).</item>
/// </list></summary>
internal static class BackbonePreprocessing
{
    public static readonly string[] Modes = ["none", "caffe", "torch", "tf"];

    public const string LayerName = "preprocess";

    /// <summary>The mode to use: the option when given, else the file's "preprocessing" metadata when it
    /// names a mode, else "none".</summary>
    public static (string Mode, string Why) Resolve(string? option, IReadOnlyDictionary<string, string> metadata)
    {
        if (option is not null) return (option, "--preprocess");
        if (metadata.TryGetValue("preprocessing", out var stated) && Modes.Contains(stated.Trim()))
            return (stated.Trim(), "the ONNX file's 'preprocessing' metadata");
        return ("none", "default: the file states no preprocessing mode; pass --preprocess caffe|torch|tf if the backbone expects one");
    }

    /// <summary>The fixed first layer for <paramref name="mode"/> (null for "none"); call
    /// <see cref="SetWeights"/> once it is built.</summary>
    public static Layer? Layer(string mode, int channels) => mode switch
    {
        "none" => null,
        "tf" => new Rescaling(1 / 127.5, -1, name: LayerName),
        "caffe" or "torch" when channels == 3 => new Conv2D(3, new Size2(1, 1), name: LayerName),
        "caffe" or "torch" => throw new UsageException($"--preprocess {mode} is for RGB images (3 channels); the data has {channels}. Drop --grayscale or use --preprocess none."),
        _ => throw new UsageException($"--preprocess must be one of {string.Join(", ", Modes)}; received '{mode}'."),
    };

    /// <summary>caffe and torch as a 1x1 convolution: a channel permutation or per-channel scale
    /// (exact 0/1 or diagonal weights) and the mean as the bias.</summary>
    public static void SetWeights(Layer layer, string mode)
    {
        if (layer is not Conv2D conv) return;
        var kernel = new float[9];
        float[] bias;
        if (mode == "caffe")
        {
            // Output channel o (B, G, R) reads input channel 2 - o (R, G, B).
            for (var o = 0; o < 3; o++) kernel[o * 3 + (2 - o)] = 1;
            bias = [-103.939f, -116.779f, -123.68f];
        }
        else
        {
            float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
            bias = new float[3];
            for (var c = 0; c < 3; c++)
            {
                kernel[c * 3 + c] = 1f / (255f * std[c]);
                bias[c] = -mean[c] / std[c];
            }
        }
        using var k = Tensor.FromArray(kernel, 3, 3, 1, 1);
        using var b = Tensor.FromArray(bias, 3);
        conv.Kernel!.Assign(k);
        conv.Bias!.Assign(b);
    }
}
