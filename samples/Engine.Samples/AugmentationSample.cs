// User story: seeds/001 "Is CNN learning effectively?" Example 2 (ImageDataGenerator with rotation,
// shifts and flips, flow_from_directory over class folders) and seeds/002 "How can a CNN model be
// trained using Keras?" (image_dataset_from_directory with validation_split, subset and seed):
//
//   train_ds = tf.keras.utils.image_dataset_from_directory(path, image_size=(32, 32), color_mode='grayscale',
//       validation_split=0.2, subset='training', seed=42)
//   val_ds = ...subset='validation'...
//   datagen = ImageDataGenerator(rotation_range=10, width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True)
//   model.fit(train_ds, epochs=10, validation_data=val_ds)
//
// The sample writes its own class-folder tree of PNGs (bars, crosses and rings at random places) to a
// temporary folder, so it runs anywhere.
using Engine.Data;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;
using StbImageWriteSharp;

namespace Engine.Samples;

public sealed record AugmentationResult(double ValidationAccuracy, double Chance, int TrainImages, int ValidationImages);

public static class AugmentationSample
{
    private static readonly string[] Classes = ["bar", "cross", "ring"];
    private const int Size = 32;

    public static AugmentationResult Run(SampleOptions options, TextWriter output)
    {
        var root = Path.Combine(Path.GetTempPath(), $"engine-augmentation-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            WriteImageTree(root, perClass: options.TrainCountOr(200, 60));
            var epochs = options.EpochsOr(8, 4);

            // Keras's ImageDataGenerator transforms, applied to training batches only.
            var augmentation = new Augmentation { RotationRange = 10, WidthShiftRange = 0.1, HeightShiftRange = 0.1, HorizontalFlip = true };
            var train = Datasets.ImageDatasetFromDirectory(root, colorMode: ColorMode.Grayscale, imageSize: (Size, Size), batchSize: 16,
                validationSplit: 0.2, subset: Subset.Training, seed: 42, augmentation: augmentation, log: output.WriteLine);
            var validation = Datasets.ImageDatasetFromDirectory(root, colorMode: ColorMode.Grayscale, imageSize: (Size, Size), batchSize: 16,
                validationSplit: 0.2, subset: Subset.Validation, seed: 42, shuffle: false, log: output.WriteLine);

            using var model = new Sequential([
                new Input(1, Size, Size),
                new Rescaling(1.0 / 255),                       // the files hold 0..255, as in Keras
                new Conv2D(16, 3, activation: "relu"),
                new MaxPooling2D(2),
                new Conv2D(32, 3, activation: "relu"),
                new MaxPooling2D(2),
                new Flatten(),
                new Dense(32, activation: "relu"),
                new Dense(Classes.Length, activation: "softmax"),
            ]);
            model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
            var history = model.Fit(train, epochs: epochs, validationData: validation, verbose: options.Verbose, output: output);

            var accuracy = history["val_accuracy"][^1];
            output.WriteLine($"validation accuracy {accuracy:P1} on {validation.Count} images ({Classes.Length} classes: chance {1.0 / Classes.Length:P1})");
            return new AugmentationResult(accuracy, 1.0 / Classes.Length, train.Count, validation.Count);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>root/bar, root/cross, root/ring, each with grayscale PNGs of its shape at a random place and size, on noise.</summary>
    private static void WriteImageTree(string root, int perClass)
    {
        var rng = new Rng(5);
        var writer = new ImageWriter();
        for (var c = 0; c < Classes.Length; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, Classes[c]));
            for (var i = 0; i < perClass; i++)
            {
                var pixels = new byte[Size * Size];
                int cx = 10 + rng.NextInt(12), cy = 10 + rng.NextInt(12), r = 4 + rng.NextInt(4);
                for (var y = 0; y < Size; y++)
                    for (var x = 0; x < Size; x++)
                    {
                        var on = c switch
                        {
                            0 => Math.Abs(y - cy) <= 1 && Math.Abs(x - cx) <= r,                                    // a horizontal bar
                            1 => (Math.Abs(y - cy) <= 1 && Math.Abs(x - cx) <= r) || (Math.Abs(x - cx) <= 1 && Math.Abs(y - cy) <= r),
                            _ => Math.Abs(Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) - r) < 1.0,        // a ring
                        };
                        pixels[y * Size + x] = (byte)Math.Clamp((on ? 200 : 30) + 25 * rng.NextNormal(), 0, 255);
                    }
                using var file = File.Create(Path.Combine(root, Classes[c], $"{i:D4}.png"));
                writer.WritePng(pixels, Size, Size, ColorComponents.Grey, file);
            }
        }
    }
}
