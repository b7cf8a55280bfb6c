using Engine.Layers;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Onnx.Tests.Support;

/// <summary>Small models covering every exportable layer type and option (odd image sizes so that
/// 'same' padding is asymmetric), the seed CNN and a two-head functional model, each with an input
/// batch. BatchNormalization gets random statistics so its inference form is really exercised.</summary>
internal static class ExportCases
{
    public static readonly Dictionary<string, Func<Model>> All = new()
    {
        ["conv_valid_strided"] = () => Seq([3, 9, 11], new Conv2D(4, (3, 2), strides: (2, 1))),
        ["conv_same_relu"] = () => Seq([3, 9, 10], new Conv2D(5, 3, strides: 2, padding: "same", activation: "relu")),
        ["conv_same_no_bias_tanh"] = () => Seq([2, 7, 8], new Conv2D(3, (4, 3), padding: "same", activation: "tanh", useBias: false)),
        ["conv_sigmoid"] = () => Seq([2, 6, 6], new Conv2D(3, 3, activation: "sigmoid")),
        ["dense_softmax"] = () => Seq([3, 4, 5], new Flatten(), new Dense(7, activation: "softmax")),
        ["dense_sigmoid_no_bias"] = () => Seq([6], new Dense(5, activation: "sigmoid", useBias: false)),
        ["dense_on_image_axes"] = () => Seq([3, 4, 5], new Dense(6, activation: "relu"), new Dense(2, useBias: false), new Flatten()),
        ["dense_log_softmax"] = () => Seq([6], new Dense(4, activation: "log_softmax")),
        ["dense_swish_silu"] = () => Seq([6], new Dense(5, activation: "swish"), new Dense(3, activation: "silu")),
        ["batchnorm_image"] = () => Seq([4, 5, 6], new BatchNormalization()),
        ["batchnorm_features"] = () => Seq([6], new BatchNormalization(epsilon: 1e-5)),
        ["batchnorm_no_center_no_scale"] = () => Seq([3, 4, 4], new BatchNormalization(center: false, scale: false)),
        ["max_pool_valid"] = () => Seq([2, 9, 8], new MaxPooling2D(2)),
        ["max_pool_same_strided"] = () => Seq([2, 9, 7], new MaxPooling2D(3, strides: 2, padding: "same")),
        ["average_pool_valid"] = () => Seq([2, 8, 9], new AveragePooling2D((2, 3))),
        ["average_pool_same"] = () => Seq([2, 7, 9], new AveragePooling2D(3, strides: 2, padding: "same")),
        ["global_average_pool"] = () => Seq([5, 6, 7], new GlobalAveragePooling2D()),
        ["flatten_dense"] = () => Seq([2, 3, 4], new Flatten(), new Dense(3)),
        ["dropout_inside_and_last"] = () => Seq([8], new Dropout(0.5), new Dense(4, activation: "relu"), new Dropout(0.3)),
        ["rescaling"] = () => Seq([3, 4, 4], new Rescaling(1.0 / 255, -0.5)),
        ["rescaling_scale_only"] = () => Seq([3, 4, 4], new Rescaling(2.0)),
        ["activation_layers"] = () => Seq([6], new Activation("tanh"), new Activation("relu"), new Activation("sigmoid"), new Activation("softmax"),
            new Activation("log_softmax"), new Activation("swish"), new Activation("linear")),
        ["conv_explicit_pads_dilated"] = () => Seq([3, 11, 10], new Conv2D(4, 3, padding: ((2, 1), (0, 3)), dilationRate: 2, activation: "relu6")),
        ["conv_grouped_strided"] = () => Seq([4, 9, 9], new Conv2D(6, (3, 2), strides: 2, padding: "same", groups: 2, activation: "relu")),
        ["depthwise_conv"] = () => Seq([3, 8, 9], new DepthwiseConv2D(3, strides: 2, padding: "same", depthMultiplier: 2, activation: "leaky_relu")),
        ["separable_conv"] = () => Seq([3, 8, 8], new SeparableConv2D(5, 3, padding: "same", depthMultiplier: 2, activation: "elu")),
        ["zero_padding_cropping"] = () => Seq([2, 5, 6], new ZeroPadding2D(((1, 2), (3, 0))), new Cropping2D(((0, 1), (2, 1)))),
        ["relu_family"] = () => Seq([2, 4, 5], new ReLU(maxValue: 6), new ReLU(negativeSlope: 0.1), new ReLU(maxValue: 3, negativeSlope: 0.2, threshold: 0.5),
            new LeakyReLU(0.3), new ELU(0.7)),
        ["activations_extra"] = () => Seq([7], new Activation("hard_sigmoid"), new Dense(6, activation: "hard_swish"), new Activation("relu6"), new Activation("elu")),
        ["global_max_pool"] = () => Seq([5, 6, 7], new GlobalMaxPooling2D()),
        ["upsampling"] = () => Seq([2, 3, 4], new UpSampling2D((2, 3))),
        ["reshape_permute"] = () => Seq([2, 3, 4], new Reshape([3, 8]), new Permute([2, 1]), new Reshape([-1])),
        ["seed_cnn"] = () => Randomized(SeedCnn.Build(1, 28, 10, rescale: 1.0 / 255, outputActivation: "softmax")),
        ["two_heads"] = TwoHeads,
        ["residual"] = Residual,
        ["merge_layers"] = MergeLayers,
        ["nested_model"] = Nested,
        ["two_inputs_channels_last"] = TwoInputs,
    };

    /// <summary>A batch of 3 inputs for the model (pixel-like values for the rescaling models).</summary>
    public static Tensor InputFor(string name, Model model) => InputsFor(name, model, 3).Single();

    /// <summary>One batch per model input, in its declared layout (channels-last where declared so).</summary>
    public static IReadOnlyList<Tensor> InputsFor(string name, Model model, int batch)
    {
        var rng = new Rng(7);
        var scale = name.StartsWith("rescaling", StringComparison.Ordinal) || name == "seed_cnn" ? 255.0 : 1.0;
        return model.InputShapes!.Select((shape, k) => k < model.Inputs.Count ? model.Inputs[k].Shape : shape)
            .Select(shape => Tensor.RandomUniform(new Shape([batch, .. shape]), rng, -scale, scale)).ToList();
    }

    private static Model Seq(int[] inputShape, params Layer[] layers) =>
        Randomized(new Sequential([new Input(inputShape), .. layers], name: "case"));

    private static Model TwoHeads()
    {
        var input = new Input([1, 12, 12], "image");
        var trunk = new Conv2D(4, 3, activation: "relu", name: "trunk_conv").Apply(input);
        trunk = new BatchNormalization(name: "trunk_bn").Apply(trunk);
        trunk = new MaxPooling2D(2).Apply(trunk);
        var features = new Flatten().Apply(trunk);
        features = new Dropout(0.25).Apply(features);
        return Randomized(new Model(input, new Dictionary<string, SymbolicTensor>
        {
            ["coarse"] = new Dense(2, activation: "softmax").Apply(features),
            ["fine"] = new Dense(5, activation: "sigmoid", name: "fine_dense").Apply(features),
        }, name: "two_heads"));
    }

    /// <summary>Two ResNet basic blocks (identity and projection shortcut) with Add.</summary>
    private static Model Residual()
    {
        var input = new Input([3, 12, 12], "image");
        var x = new Conv2D(8, 3, padding: "same", name: "stem").Apply(input);
        x = new ReLU(name: "stem_relu").Apply(new BatchNormalization(name: "stem_bn").Apply(x));
        SymbolicTensor Block(SymbolicTensor x, int filters, int stride, string name)
        {
            var y = new Conv2D(filters, 3, strides: stride, padding: 1, useBias: false, name: $"{name}_conv1").Apply(x);
            y = new ReLU(name: $"{name}_relu1").Apply(new BatchNormalization(name: $"{name}_bn1").Apply(y));
            y = new BatchNormalization(name: $"{name}_bn2").Apply(new Conv2D(filters, 3, padding: 1, useBias: false, name: $"{name}_conv2").Apply(y));
            var shortcut = stride == 1 && x.Shape[0] == filters ? x
                : new BatchNormalization(name: $"{name}_down_bn").Apply(new Conv2D(filters, 1, strides: stride, useBias: false, name: $"{name}_down").Apply(x));
            return new ReLU(name: $"{name}_out").Apply(new Add(name: $"{name}_add").Apply(y, shortcut));
        }
        x = Block(x, 8, 1, "block1");
        x = Block(x, 16, 2, "block2");
        var output = new Dense(4, activation: "softmax", name: "classes").Apply(new GlobalAveragePooling2D().Apply(x));
        return Randomized(new Model(input, output, name: "resnet_tiny"));
    }

    /// <summary>Every merge layer, including three-input Add/Multiply and a channel Concatenate.</summary>
    private static Model MergeLayers()
    {
        var input = new Input(2, 5, 6);
        var a = new Conv2D(3, 3, padding: "same").Apply(input);
        var b = new Conv2D(3, 1).Apply(input);
        var c = new Conv2D(3, (1, 3), padding: "same", activation: "sigmoid").Apply(input);
        var merged = new Concatenate(1).Apply(
            new Add().Apply(a, b, c), new Subtract().Apply(a, b), new Multiply().Apply(a, b, c), new Average().Apply(a, c), new Maximum().Apply(b, c), new Minimum().Apply(a, c));
        return Randomized(new Model(input, new Concatenate(-1).Apply(merged, new Conv2D(18, 1).Apply(merged)), name: "merges"));
    }

    /// <summary>A Sequential used as a layer inside a functional model (Keras's nested models).</summary>
    private static Model Nested()
    {
        var inner = new Sequential([new Input(2, 8, 8), new Conv2D(4, 3, activation: "relu", name: "inner_conv"), new BatchNormalization(name: "inner_bn")], name: "inner");
        var input = new Input([2, 8, 8], "outer_input");
        var x = inner.Apply(input);
        var output = new Dense(3, name: "outer_dense").Apply(new Flatten().Apply(new MaxPooling2D(2).Apply(x)));
        return Randomized(new Model(input, output, name: "outer"));
    }

    /// <summary>Two inputs, one of them channels-last (Keras's layout), joined after a convolution.</summary>
    private static Model TwoInputs()
    {
        var image = new Input([6, 6, 2], "image_hwc", dataFormat: Input.ChannelsLast);
        var extra = new Input([5], "extra");
        var x = new Flatten().Apply(new Conv2D(3, 3, activation: "relu").Apply(image));
        var output = new Dense(2, activation: "softmax").Apply(new Concatenate().Apply(x, new Dense(4).Apply(extra)));
        return Randomized(new Model([image, extra], [output], name: "two_inputs"));
    }

    /// <summary>Random BatchNormalization statistics and affine terms (fresh layers have mean 0, variance 1).</summary>
    private static Model Randomized(Model model)
    {
        var rng = new Rng(11);
        foreach (var bn in model.Layers.OfType<BatchNormalization>())
        {
            var c = bn.MovingMean!.Shape;
            using var mean = Tensor.RandomNormal(c, rng, 0, 0.5);
            using var variance = Tensor.RandomUniform(c, rng, 0.5, 2);
            bn.MovingMean.Assign(mean);
            bn.MovingVariance!.Assign(variance);
            if (bn.Gamma is { } g) { using var t = Tensor.RandomUniform(c, rng, 0.5, 1.5); g.Assign(t); }
            if (bn.Beta is { } b) { using var t = Tensor.RandomNormal(c, rng, 0, 0.3); b.Assign(t); }
        }
        return model;
    }
}
