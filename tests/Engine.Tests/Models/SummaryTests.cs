using Engine.Layers;
using Engine.Models;

namespace Engine.Tests.Models;

public class SummaryTests
{
    [Fact]
    public void SeedCnnOn28x28x1Has93322Params()
    {
        using var model = SeedModels.BasicCnn([1, 28, 28], 10);
        var text = model.GetSummary();
        const string expected = """
            Model: "sequential"
            _________________________________________________________________
             Layer (type)                     Output Shape         Param #
            =================================================================
             conv2d (Conv2D)                  (None, 32, 26, 26)   320
             max_pooling2d (MaxPooling2D)     (None, 32, 13, 13)   0
             conv2d_1 (Conv2D)                (None, 64, 11, 11)   18,496
             max_pooling2d_1 (MaxPooling2D)   (None, 64, 5, 5)     0
             conv2d_2 (Conv2D)                (None, 64, 3, 3)     36,928
             flatten (Flatten)                (None, 576)          0
             dense (Dense)                    (None, 64)           36,928
             dense_1 (Dense)                  (None, 10)           650
            =================================================================
            Total params: 93,322 (364.54 KB)
            Trainable params: 93,322 (364.54 KB)
            Non-trainable params: 0 (0.00 B)
            _________________________________________________________________

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), text);
        Assert.Equal(93_322, model.CountParams());
    }

    [Fact]
    public void SeedCnnOn64x64x3()
    {
        // seeds/001 with input_shape (64, 64, 3) → here (3, 64, 64).
        using var model = SeedModels.BasicCnn([3, 64, 64], 10);
        var text = model.GetSummary();
        Assert.Matches(@"conv2d \(Conv2D\)\s+\(None, 32, 62, 62\)\s+896\n", text);
        Assert.Matches(@"max_pooling2d \(MaxPooling2D\)\s+\(None, 32, 31, 31\)\s+0\n", text);
        Assert.Matches(@"conv2d_2 \(Conv2D\)\s+\(None, 64, 12, 12\)\s+36,928\n", text);
        Assert.Matches(@"flatten \(Flatten\)\s+\(None, 9216\)\s+0\n", text);
        Assert.Matches(@"dense \(Dense\)\s+\(None, 64\)\s+589,888\n", text);
        Assert.Contains("Total params: 646,858 (2.47 MB)", text);
        Assert.Equal(646_858, model.CountParams());

        // seeds/002: the same trunk with Dense(10) straight after Flatten.
        using var seed2 = new Sequential([
            new Conv2D(32, (3, 3), activation: "relu", inputShape: [3, 64, 64]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: "relu"),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: "relu"),
            new Flatten(),
            new Dense(10, activation: "softmax"),
        ]);
        Assert.Equal(896 + 18_496 + 36_928 + 9216 * 10 + 10, seed2.CountParams());
        Assert.Contains("Total params: 148,490", seed2.GetSummary());
    }

    [Fact]
    public void TwoHeadModelListsInputHeadsAndConnections()
    {
        using var model = SeedModels.TwoHead([1, 12, 12], coarse: 2, fine: 5);
        var text = model.GetSummary();
        Assert.StartsWith("Model: \"functional\"", text);
        Assert.Contains("Connected to", text);
        Assert.Matches(@"input_layer \(InputLayer\)\s+\(None, 1, 12, 12\)\s+0\s+-", text);
        Assert.Matches(@"conv2d \(Conv2D\)\s+\(None, 8, 10, 10\)\s+80\s+input_layer\[0\]\[0\]", text);
        Assert.Matches(@"dense \(Dense\)\s+\(None, 32\)\s+6,432\s+flatten\[0\]\[0\]", text);
        Assert.Matches(@"coarse \(Dense\)\s+\(None, 2\)\s+66\s+dense\[0\]\[0\]", text);
        Assert.Matches(@"fine \(Dense\)\s+\(None, 5\)\s+165\s+dense\[0\]\[0\]", text);
        Assert.Contains("Total params: 6,743", text);
        Assert.Equal(80 + 6432 + 66 + 165, model.CountParams());
        Assert.Equal(["coarse", "fine"], model.OutputNames);
    }

    [Fact]
    public void BatchNormCountsNonTrainableParams()
    {
        using var model = new Sequential([new Input(3, 8, 8), new Conv2D(4, 3), new BatchNormalization(), new Flatten(), new Dense(2)]);
        var text = model.GetSummary();
        Assert.Contains("batch_normalization (BatchNormalization)", text);
        // conv 3·9·4 + 4 = 112, batch norm 4·4 = 16 (moving mean and variance are not trained), dense 144·2 + 2 = 290.
        Assert.Contains("Total params: 418 (1.63 KB)", text);
        Assert.Contains("Trainable params: 410 (1.60 KB)", text);
        Assert.Contains("Non-trainable params: 8 (32.00 B)", text);
        Assert.Equal(418, model.CountParams());
    }

    [Fact]
    public void UnbuiltModelSaysHowToBuildIt()
    {
        using var model = new Sequential([new Dense(3)]);
        var e = Assert.Throws<InvalidOperationException>(() => model.GetSummary());
        Assert.Contains("has not yet been built", e.Message);
        model.Build(5);
        Assert.Contains("dense (Dense)", model.GetSummary());
        Assert.Equal(18, model.CountParams());
    }
}
