// User story: seeds/002 "How can a CNN model be trained using Keras?": "Training a model consists of
// repeatedly presenting batches of training data to the model, calculating the loss function, and
// updating the model's weights using backpropagation" — written out by hand, as Keras users do with
// tf.GradientTape when fit is not enough:
//
//   for epoch in range(epochs):
//       for x, y in train_ds:
//           with tf.GradientTape() as tape:
//               logits = model(x, training=True)
//               loss = loss_fn(y, logits)
//           grads = tape.gradient(loss, model.trainable_weights)
//           optimizer.apply_gradients(zip(grads, model.trainable_weights))
using Engine.Data;
using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Optimizers;
using Engine.Tensors;

namespace Engine.Samples;

public sealed record CustomLoopResult(double TestAccuracy, double FirstEpochLoss, double LastEpochLoss, int Steps);

public static class CustomLoopSample
{
    public static CustomLoopResult Run(SampleOptions options, TextWriter output)
    {
        var (train, test) = Digits.Load();
        train = train.Slice(0, options.TrainCountOr(Digits.TrainCount, 1500));
        test = test.Slice(0, options.TestCountOr(Digits.TestCount, 500));
        var epochs = options.EpochsOr(3, 2);

        using var model = new Sequential([
            new Conv2D(16, 3, activation: "relu", inputShape: [1, 28, 28]),
            new MaxPooling2D(2),
            new Conv2D(32, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(64, activation: "relu"),
            new Dense(10),                                      // logits
        ]);
        var optimizer = new Adam(1e-3);
        var lossFn = new SparseCategoricalCrossentropy(fromLogits: true);
        var data = train.ToDataset(batchSize: 32, shuffle: true, seed: 1);

        var losses = new List<double>();
        var steps = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            double sum = 0;
            var batches = 0;
            foreach (var batch in data.GetBatches(epoch))
            {
                using var scope = new TensorScope();            // frees this step's temporaries
                var logits = model.Forward(batch.X, training: true);
                var loss = lossFn.Call(batch.Y, logits);
                loss.Backward();                                // the tape: gradients into every weight's .Grad
                optimizer.Step(model.TrainableWeights);         // apply_gradients
                Optimizer.ZeroGrad(model.TrainableWeights);     // gradients accumulate, so clear them for the next step
                sum += loss.ToFloatArray()[0];
                batches++;
                steps++;
            }
            losses.Add(sum / batches);
            output.WriteLine($"epoch {epoch + 1}/{epochs}: mean loss {losses[^1]:F4} over {batches} steps");
        }

        var accuracy = Scores.Accuracy(Scores.Argmax(model.Predict(test.ImagesTensor())), test.Labels);
        output.WriteLine($"test accuracy {accuracy:P1} on {test.Count} digits");
        return new CustomLoopResult(accuracy, losses[0], losses[^1], steps);
    }
}
