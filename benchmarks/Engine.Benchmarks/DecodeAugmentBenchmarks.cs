using BenchmarkDotNet.Attributes;
using Engine.Data;
using StbImageWriteSharp;

namespace Engine.Benchmarks;

/// <summary>Images per second through the image-folder pipeline: read the file, decode (PNG or
/// JPEG, 64x64 RGB), convert to CHW floats, optionally augment (flip, rotation, shift, zoom,
/// brightness, contrast, rescale), batch 32, with the dataset's default workers (one per core) and
/// prefetch. One operation = one image, so the reported mean is time per image.
/// Run: cd benchmarks/Engine.Benchmarks &amp;&amp; dotnet run -c Release -- --filter '*Decode*' --job short</summary>
[MemoryDiagnoser]
public class DecodeAugmentBenchmarks
{
    private const int Images = 256;
    private const int Size = 64;

    [Params("png", "jpeg")]
    public string Format { get; set; } = "png";

    [Params(false, true)]
    public bool Augment { get; set; }

    private string _root = "";
    private ImageDataset _dataset = null!;
    private int _epoch;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "engine-decode-bench-" + Guid.NewGuid().ToString("N"));
        var rng = new Random(42);
        for (var i = 0; i < Images; i++)
        {
            var dir = Path.Combine(_root, i % 2 == 0 ? "even" : "odd");
            Directory.CreateDirectory(dir);
            var pixels = Photo(rng);
            using var file = File.Create(Path.Combine(dir, $"{i:D4}.{(Format == "png" ? "png" : "jpg")}"));
            if (Format == "png") new ImageWriter().WritePng(pixels, Size, Size, ColorComponents.RedGreenBlue, file);
            else new ImageWriter().WriteJpg(pixels, Size, Size, ColorComponents.RedGreenBlue, file, 90);
        }
        _dataset = Datasets.ImageDatasetFromDirectory(_root, imageSize: (Size, Size), batchSize: 32, seed: 1, log: _ => { });
        if (Augment)
            _dataset.Augmentation = new Augmentation
            {
                HorizontalFlip = true,
                RotationRange = 15,
                WidthShiftRange = 0.1,
                HeightShiftRange = 0.1,
                ZoomRange = 0.1,
                BrightnessRange = (0.8, 1.2),
                ContrastRange = 0.2,
                Rescale = 1 / 255.0,
            };
    }

    /// <summary>Smooth colour gradients plus noise: compresses like a photo, not like a flat fill.</summary>
    private static byte[] Photo(Random rng)
    {
        var data = new byte[Size * Size * 3];
        double fx = rng.NextDouble() * 0.2, fy = rng.NextDouble() * 0.2;
        for (var y = 0; y < Size; y++)
            for (var x = 0; x < Size; x++)
                for (var c = 0; c < 3; c++)
                {
                    var v = 128 + 80 * Math.Sin(fx * x * (c + 1) + fy * y) + rng.Next(-20, 21);
                    data[(y * Size + x) * 3 + c] = (byte)Math.Clamp(v, 0, 255);
                }
        return data;
    }

    [Benchmark(OperationsPerInvoke = Images)]
    public int DecodeAugmentEpoch()
    {
        var n = 0;
        foreach (var batch in _dataset.GetBatches(_epoch++))
            n += batch.X.Shape[0];
        return n;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);
}
