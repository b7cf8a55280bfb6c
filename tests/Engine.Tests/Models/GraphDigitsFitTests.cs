using Engine.Data;
using Engine.Layers;
using Engine.Models;
using Engine.Optimizers;

namespace Engine.Tests.Models;

/// <summary>Branching networks learn the embedded digits on the CPU: a small residual net and an
/// Inception-style block (Concatenate of 1x1 / 3x3 / 5x5 / pool branches). Kept small for CI.</summary>
public class GraphDigitsFitTests
{
    private static void FitAndCheck(Model model, double minAccuracy)
    {
        var (train, test) = Digits.Load();
        var sub = train.Slice(0, 1000);
        model.Compile(optimizer: new Adam(0.003), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        model.Fit(sub.ImagesTensor(), sub.LabelsTensor(), epochs: 2, batchSize: 32, verbose: 0);
        var held = test.Slice(0, 500);
        var accuracy = model.Evaluate(held.ImagesTensor(), held.LabelsTensor())["accuracy"];
        Assert.True(accuracy >= minAccuracy, $"{model.Name}: test accuracy {accuracy:F3}; expected >= {minAccuracy}");
    }

    [Fact]
    public void AResidualNetLearnsDigits()
    {
        var input = new Input(1, 28, 28);
        SymbolicTensor x = new Conv2D(8, 3, strides: 2, padding: "same", activation: "relu").Apply(input);
        for (var b = 0; b < 2; b++)
        {
            var h = new Conv2D(8, 3, padding: "same", activation: "relu").Apply(x);
            h = new Conv2D(8, 3, padding: "same").Apply(h);
            x = new Activation("relu").Apply(new Add().Apply(x, h));
        }
        x = new Flatten().Apply(new MaxPooling2D(2).Apply(x));
        using var model = new Model(input, new Dense(10, activation: "softmax").Apply(x), name: "residual", seed: 3);
        FitAndCheck(model, 0.80);   // measured 0.846
    }

    [Fact]
    public void AnInceptionBlockLearnsDigits()
    {
        var input = new Input(1, 28, 28);
        SymbolicTensor x = new Conv2D(8, 3, strides: 2, padding: "same", activation: "relu").Apply(input);
        var b1 = new Conv2D(4, 1, activation: "relu").Apply(x);
        var b3 = new Conv2D(6, 3, padding: "same", activation: "relu").Apply(new Conv2D(4, 1, activation: "relu").Apply(x));
        var b5 = new Conv2D(4, 5, padding: "same", activation: "relu").Apply(new Conv2D(2, 1, activation: "relu").Apply(x));
        var pool = new Conv2D(4, 1, activation: "relu").Apply(new MaxPooling2D(3, strides: 1, padding: "same").Apply(x));
        x = new Concatenate(axis: 1).Apply(b1, b3, b5, pool);
        Assert.Equal([18, 14, 14], x.Shape);   // 4 + 6 + 4 + 4 channels
        x = new Flatten().Apply(new MaxPooling2D(2).Apply(x));
        using var model = new Model(input, new Dense(10, activation: "softmax").Apply(x), name: "inception", seed: 3);
        FitAndCheck(model, 0.80);   // measured 0.848
    }
}
