// User story: seeds/000 "How can categorical CNNs be trained?", section 3: hierarchical labels call
// for "separate branches in the network, mirroring the hierarchical structure of the categories".
// Keras mirrored (functional API, one head per level, each with its own loss, weight and metrics):
//
//   inputs = keras.Input((28, 28, 1)); h = trunk(inputs)
//   coarse = layers.Dense(2, activation='softmax', name='coarse')(h)
//   fine = layers.Dense(10, activation='softmax', name='fine')(h)
//   model = keras.Model(inputs, {'coarse': coarse, 'fine': fine})
//   model.compile(optimizer='adam', loss={'coarse': 'sparse_categorical_crossentropy', 'fine': 'sparse_categorical_crossentropy'},
//                 loss_weights={'coarse': 0.5, 'fine': 1.0}, metrics={'coarse': ['accuracy'], 'fine': ['accuracy', 'top_k_accuracy']})
//   model.fit(x, {'coarse': y_coarse, 'fine': y_fine}, epochs=3)
//
// Here the hierarchy is digit (fine, 10 classes) under "small" 0-4 / "large" 5-9 (coarse, 2 classes).
using Engine.Data;
using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Samples;

public sealed record HierarchicalResult(double CoarseAccuracy, double FineAccuracy, double FineTop3, double CoarseAgreesWithFine);

public static class HierarchicalSample
{
    public static HierarchicalResult Run(SampleOptions options, TextWriter output)
    {
        var (train, test) = Digits.Load();
        train = train.Slice(0, options.TrainCountOr(Digits.TrainCount, 1500));
        test = test.Slice(0, options.TestCountOr(Digits.TestCount, 500));
        var epochs = options.EpochsOr(3, 2);

        // A shared trunk, then one softmax head per level of the hierarchy.
        var input = new Input(1, 28, 28);
        var h = new Conv2D(16, 3, activation: "relu").Apply(input);
        h = new MaxPooling2D(2).Apply(h);
        h = new Conv2D(32, 3, activation: "relu").Apply(h);
        h = new MaxPooling2D(2).Apply(h);
        h = new Dense(64, activation: "relu").Apply(new Flatten().Apply(h));
        using var model = new Model(input, new Dictionary<string, SymbolicTensor>
        {
            ["coarse"] = new Dense(2, activation: "softmax", name: "coarse").Apply(h),
            ["fine"] = new Dense(10, activation: "softmax", name: "fine").Apply(h),
        });
        model.Compile(optimizer: "adam",
            losses: new() { ["coarse"] = "sparse_categorical_crossentropy", ["fine"] = "sparse_categorical_crossentropy" },
            lossWeights: new() { ["coarse"] = 0.5, ["fine"] = 1.0 },
            headMetrics: new() { ["coarse"] = ["accuracy"], ["fine"] = ["accuracy", "top3"] });

        output.WriteLine($"Two heads on {train.Count} digits, {epochs} epochs: coarse = small (0-4) / large (5-9), fine = the digit.");
        model.Fit(train.ImagesTensor(), Targets(train), epochs: epochs, verbose: options.Verbose, output: output);
        var scores = model.Evaluate(test.ImagesTensor(), Targets(test));

        // A hierarchy also asks for consistency: does the coarse head agree with the group of the fine head's digit?
        var heads = model.PredictAll(test.ImagesTensor());
        var coarse = Scores.Argmax(heads["coarse"]);
        var fine = Scores.Argmax(heads["fine"]);
        var agree = (double)coarse.Where((c, i) => c == fine[i] / 5).Count() / coarse.Length;

        output.WriteLine($"held-out: coarse accuracy {scores["coarse_accuracy"]:P1}, fine accuracy {scores["fine_accuracy"]:P1}, fine top-3 {scores["fine_top3"]:P1}, heads agree on {agree:P1}");
        return new HierarchicalResult(scores["coarse_accuracy"], scores["fine_accuracy"], scores["fine_top3"], agree);
    }

    private static Dictionary<string, Tensor> Targets(LabeledImages images) => new()
    {
        ["coarse"] = Tensor.FromArray(images.Labels.Select(d => d / 5).ToArray()),
        ["fine"] = images.LabelsTensor(),
    };
}
