// User story: seeds/001 "Is CNN learning effectively?" Example 3 and seeds/000 Example 3 (class
// imbalance biases the CNN towards the majority classes; weight the rare classes in the loss):
//
//   class_weights = class_weight.compute_class_weight('balanced', classes=np.unique(y_train), y=y_train)
//   model.fit(X_train, y_train, epochs=10, class_weight=dict(enumerate(class_weights)))
//
// Digits 0-4 keep only a few percent of their training images; the test set stays balanced.
using Engine.Data;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Samples;

public sealed record ImbalanceScores(double MinorityRecall, double MajorityRecall, double MacroF1, double Accuracy);

public sealed record ImbalanceResult(ImbalanceScores Unweighted, ImbalanceScores Balanced, int[] TrainCounts);

public static class ImbalanceSample
{
    /// <summary>Classes 0..4 are the rare ones.</summary>
    public const int Rare = 5;

    public static ImbalanceResult Run(SampleOptions options, TextWriter output)
    {
        var (all, test) = Digits.Load();
        all = all.Slice(0, options.TrainCountOr(Digits.TrainCount, 4000));
        test = test.Slice(0, options.TestCountOr(Digits.TestCount, 1000));
        var epochs = options.EpochsOr(4, 2);
        var keep = 0.05;

        // Keep every image of 5-9 but only the first 5% of each of 0-4.
        var seen = new int[10];
        var chosen = Enumerable.Range(0, all.Count).Where(i =>
        {
            var label = all.Labels[i];
            return label >= Rare || seen[label]++ < Math.Max(1, (int)(keep * all.Count / 10));
        }).ToArray();
        var x = Tensor.FromArray(chosen.SelectMany(i => all.Pixels.AsSpan(i * 784, 784).ToArray()).ToArray(), new Shape(chosen.Length, 1, 28, 28));
        var labels = chosen.Select(i => all.Labels[i]).ToArray();
        var counts = Enumerable.Range(0, 10).Select(c => labels.Count(l => l == c)).ToArray();
        output.WriteLine($"Training images per class: {string.Join(" ", counts.Select((n, c) => $"{c}:{n}"))}");

        var weights = ClassWeights.ComputeClassWeight("balanced", labels);
        output.WriteLine($"class_weight 'balanced': {string.Join(" ", weights.Select((w, c) => $"{c}:{w:F2}"))}");

        var unweighted = Train("without class weights", null, x, labels, test, epochs, options, output);
        var balanced = Train("with class_weight 'balanced'", weights.Index().ToDictionary(p => p.Index, p => p.Item), x, labels, test, epochs, options, output);
        return new ImbalanceResult(unweighted, balanced, counts);
    }

    private static ImbalanceScores Train(string title, Dictionary<int, double>? classWeight, Tensor x, int[] labels,
        LabeledImages test, int epochs, SampleOptions options, TextWriter output)
    {
        output.WriteLine(title + ":");
        using var model = new Sequential([
            new Conv2D(16, 3, activation: "relu", inputShape: [1, 28, 28]),
            new MaxPooling2D(2),
            new Conv2D(32, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(64, activation: "relu"),
            new Dense(10, activation: "softmax"),
        ]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        model.Fit(x, Tensor.FromArray(labels), epochs: epochs, classWeight: classWeight, verbose: options.Verbose, output: output);

        var predicted = Scores.Argmax(model.Predict(test.ImagesTensor()));
        var recall = Scores.RecallPerClass(predicted, test.Labels, 10);
        var scores = new ImbalanceScores(recall[..Rare].Average(), recall[Rare..].Average(),
            Scores.MacroF1(predicted, test.Labels, 10), Scores.Accuracy(predicted, test.Labels));
        output.WriteLine($"  held-out recall per class: {string.Join(" ", recall.Select((r, c) => $"{c}:{r:P0}"))}");
        output.WriteLine($"  rare classes 0-4 recall {scores.MinorityRecall:P1}, common 5-9 recall {scores.MajorityRecall:P1}, macro-F1 {scores.MacroF1:P1}, accuracy {scores.Accuracy:P1}");
        return scores;
    }
}
