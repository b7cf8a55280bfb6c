namespace Engine.Data;

/// <summary>Fashion-MNIST (Zalando): 28x28 grayscale clothes in 10 classes, the same file format
/// as MNIST. Make the files with <c>python3 scripts/convert-fashion-mnist.py</c> (into the
/// git-ignored data/fashion-mnist/) or use the published ones.</summary>
public static class FashionMnist
{
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads train (60,000) and test (10,000) from the idx files in <paramref name="directory"/>.</summary>
    public static DatasetSplit Load(string directory, bool rescale = true) => Mnist.Load(directory, rescale, ClassNames);
}
