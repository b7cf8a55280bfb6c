// User story: "a user with a few thousand photos gets far more from ResNet18's ImageNet features than
// from a network trained from scratch" (issue 15). Keras mirrored:
//
//   base = keras.applications.ResNet50(weights='imagenet', include_top=False, input_shape=(64, 64, 3))
//   base.trainable = False
//   x = layers.GlobalAveragePooling2D()(base(inputs, training=False))
//   model = keras.Model(inputs, layers.Dense(10, activation='softmax')(x))
//   model.compile('adam', 'sparse_categorical_crossentropy', ['accuracy']); model.fit(x, y, epochs=5)
//
// Here the backbone is the ImageNet ResNet18 of the Microsoft.ML.DnnImageFeaturizer.ResNet18 package,
// imported from ONNX without its final average pool (include_top=False), and the task is 50 digits per
// class upscaled to 64x64 RGB. The baseline is the same architecture with fresh weights (weights=None),
// trained end to end on the same images for the same epochs.
using System.Reflection;
using Engine.Data;
using Engine.Models;
using Engine.Onnx;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Samples;

public sealed record TransferResult(double PretrainedAccuracy, double ScratchAccuracy, int TrainImages, int Size, int Epochs);

public static class TransferSample
{
    /// <summary>The last node before ResNet18's 7x7 average pool: the 512-channel feature map.</summary>
    public const string FeatureNode = "ReLU393";

    /// <summary>ImageNet channel means of the package's ResNetPreprocess.onnx mean image, in its BGR order.</summary>
    public static readonly float[] BgrMeans = [103.06262f, 115.902885f, 123.15163f];

    public static string ResNet18Path =>
        typeof(TransferSample).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Onnx").Value!;

    public static TransferResult Run(SampleOptions options, TextWriter output)
    {
        var perClass = options.TrainCountOr(500, 200) / 10;
        var testCount = options.TestCountOr(1000, 300);
        var epochs = options.EpochsOr(5, 4);
        const int size = 64;
        var (train, test) = Digits.Load(rescale: false);
        var (x, y) = Images(train, perClass, size);
        var (xt, yt) = Images(test.Slice(0, testCount), int.MaxValue, size);
        var import = new OnnxImportOptions { InputShape = [3, size, size], StopAt = FeatureNode };

        output.WriteLine($"ResNet18 ({Path.GetFileName(ResNet18Path)}) on {y.Size} digits ({perClass} per class) at {size}x{size} RGB, {epochs} epochs each way.");
        double pretrained, scratch;
        using (var backbone = OnnxModel.Load(ResNet18Path, import))
        using (var model = backbone.WithNewHead(classes: 10))
            pretrained = FitAndScore(model, x, y, xt, yt, epochs, options, output, "pretrained, frozen backbone + new head");
        using (var fresh = OnnxModel.Load(ResNet18Path, import with { LoadWeights = false }))
        using (var model = fresh.WithNewHead(classes: 10, freezeBackbone: false))
            scratch = FitAndScore(model, x, y, xt, yt, epochs, options, output, "from scratch, same architecture");
        output.WriteLine($"held-out accuracy: pretrained {pretrained:P1} vs from scratch {scratch:P1}");
        return new TransferResult(pretrained, scratch, y.Size, size, epochs);
    }

    private static double FitAndScore(Model model, Tensor x, Tensor y, Tensor xt, Tensor yt, int epochs, SampleOptions options, TextWriter output, string what)
    {
        model.Compile(new Adam(1e-2), "sparse_categorical_crossentropy", ["accuracy"]);
        output.WriteLine($"{what}: {model.TrainableWeights.Sum(w => (long)w.Size):N0} trainable of {model.CountParams():N0} parameters");
        model.Fit(x, y, batchSize: 25, epochs: epochs, verbose: options.Verbose, output: output);
        return model.Evaluate(xt, yt)["accuracy"];
    }

    /// <summary>Up to <paramref name="perClass"/> digits per class as [N, 3, size, size]: bilinear
    /// upscaling, gray copied to the three channels, minus the ImageNet BGR means (ResNet18's preprocessing).</summary>
    public static (Tensor X, Tensor Y) Images(LabeledImages set, int perClass, int size)
    {
        var taken = new int[set.NumClasses];
        var pixels = new List<float>();
        var labels = new List<int>();
        var plane = size * size;
        var source = set.Height * set.Width;
        var bytes = new byte[source];
        var upscaled = new float[plane];
        for (var i = 0; i < set.Count; i++)
        {
            var label = set.Labels[i];
            if (taken[label] >= perClass) continue;
            taken[label]++;
            for (var p = 0; p < source; p++) bytes[p] = (byte)Math.Clamp(set.Pixels[i * source + p], 0, 255);
            ImageOps.ResizeBilinear(bytes, set.Height, set.Width, 1, upscaled, size, size);
            foreach (var mean in BgrMeans)
                foreach (var v in upscaled) pixels.Add(v - mean);
            labels.Add(label);
        }
        return (Tensor.FromArray(pixels.ToArray(), labels.Count, 3, size, size), Tensor.FromArray(labels.ToArray(), labels.Count));
    }
}
