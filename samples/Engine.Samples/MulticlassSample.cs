// User story: seeds/000 "How can categorical CNNs be trained?" (Example 2, multi-class with
// categorical_crossentropy and one-hot labels) and seeds/001 "Is CNN learning effectively?"
// (build_basic_cnn with sparse_categorical_crossentropy on integer labels). Keras mirrored:
//
//   model = Sequential([Conv2D(32, (3,3), activation='relu', input_shape=(28,28,1)), MaxPooling2D((2,2)),
//                       Conv2D(64, (3,3), activation='relu'), MaxPooling2D((2,2)), Conv2D(64, (3,3), activation='relu'),
//                       Flatten(), Dense(64, activation='relu'), Dense(10, activation='softmax')])
//   model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])   # y: integers
//   model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])          # y: one-hot
//   model.fit(X_train, y_train, epochs=3); model.evaluate(X_test, y_test)
using Engine.Data;
using Engine.Losses;

namespace Engine.Samples;

public sealed record MulticlassResult(double SparseAccuracy, double OneHotAccuracy, int TrainCount, int TestCount);

public static class MulticlassSample
{
    public static MulticlassResult Run(SampleOptions options, TextWriter output)
    {
        var (train, test) = Digits.Load();                      // real MNIST digits, embedded, pixels in [0, 1]
        train = train.Slice(0, options.TrainCountOr(Digits.TrainCount, 1500));
        test = test.Slice(0, options.TestCountOr(Digits.TestCount, 500));
        var epochs = options.EpochsOr(3, 1);
        output.WriteLine($"Training the seed CNN on {train.Count} digits for {epochs} epochs, testing on {test.Count}.");

        // 1. Integer labels [N] with sparse categorical cross-entropy.
        using var sparse = SeedCnn.Build([1, 28, 28], 10);
        sparse.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        output.WriteLine("sparse labels + sparse_categorical_crossentropy:");
        sparse.Fit(train.ImagesTensor(), train.LabelsTensor(), epochs: epochs, verbose: options.Verbose, output: output);
        var sparseAccuracy = sparse.Evaluate(test.ImagesTensor(), test.LabelsTensor())["accuracy"];

        // 2. The same labels one-hot [N, 10] with categorical cross-entropy: the same model, the same numbers to learn.
        using var oneHot = SeedCnn.Build([1, 28, 28], 10);
        oneHot.Compile(optimizer: "adam", loss: new CategoricalCrossentropy(), metrics: ["accuracy"]);
        output.WriteLine("one-hot labels + CategoricalCrossentropy:");
        oneHot.Fit(train.ImagesTensor(), train.LabelsTensor(LabelMode.Categorical), epochs: epochs, verbose: options.Verbose, output: output);
        var oneHotAccuracy = oneHot.Evaluate(test.ImagesTensor(), test.LabelsTensor(LabelMode.Categorical))["accuracy"];

        output.WriteLine($"test accuracy, sparse labels:  {sparseAccuracy:P1}");
        output.WriteLine($"test accuracy, one-hot labels: {oneHotAccuracy:P1}");
        return new MulticlassResult(sparseAccuracy, oneHotAccuracy, train.Count, test.Count);
    }
}
