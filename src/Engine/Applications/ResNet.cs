using Engine.Layers;
using Engine.Models;

namespace Engine;

public static partial class Applications
{
    /// <summary>ResNet-18 with torchvision's topology: 7x7/2 stem (padding 3, no bias), 3x3/2 max-pool
    /// (padding 1), basic blocks [2, 2, 2, 2] of 64…512 channels with 1x1 projection shortcuts where
    /// the shape changes, batch norm (eps 1e-5, torch momentum 0.1). 11,689,512 trainable parameters
    /// at 224x224x3 with 1000 classes, as torchvision's resnet18.</summary>
    public static Model ResNet18(bool includeTop = true, int[]? inputShape = null, int classes = 1000, string? pooling = null,
        string classifierActivation = "softmax", ulong seed = Model.DefaultSeed) =>
        TorchResNet("resnet18", [2, 2, 2, 2], includeTop, inputShape, classes, pooling, classifierActivation, seed);

    /// <summary>ResNet-34, torchvision's topology (basic blocks [3, 4, 6, 3]): 21,797,672 trainable parameters.</summary>
    public static Model ResNet34(bool includeTop = true, int[]? inputShape = null, int classes = 1000, string? pooling = null,
        string classifierActivation = "softmax", ulong seed = Model.DefaultSeed) =>
        TorchResNet("resnet34", [3, 4, 6, 3], includeTop, inputShape, classes, pooling, classifierActivation, seed);

    private static Model TorchResNet(string name, int[] blocks, bool includeTop, int[]? inputShape, int classes, string? pooling,
        string classifierActivation, ulong seed)
    {
        CheckClasses(classes);
        var input = ImageInput(inputShape, [3, 224, 224], 32, name);
        BatchNormalization Bn(string n) => new(momentum: 0.9, epsilon: 1e-5, name: n);
        SymbolicTensor x = input;
        x = new Conv2D(64, 7, strides: 2, padding: 3, useBias: false, name: "conv1").Apply(x);
        x = new Activation("relu", name: "relu").Apply(Bn("bn1").Apply(x));
        x = new ZeroPadding2D(1, name: "maxpool_pad").Apply(x);   // zeros are below every ReLU output: same as torch's -inf padding
        x = new MaxPooling2D(3, strides: 2, name: "maxpool").Apply(x);
        var inChannels = 64;
        for (var stage = 0; stage < blocks.Length; stage++)
        {
            var filters = 64 << stage;
            for (var b = 0; b < blocks[stage]; b++)
            {
                var stride = stage > 0 && b == 0 ? 2 : 1;
                var p = $"layer{stage + 1}.{b}.";
                var shortcut = x;
                var h = new Conv2D(filters, 3, strides: stride, padding: 1, useBias: false, name: p + "conv1").Apply(x);
                h = new Activation("relu", name: p + "relu1").Apply(Bn(p + "bn1").Apply(h));
                h = Bn(p + "bn2").Apply(new Conv2D(filters, 3, padding: 1, useBias: false, name: p + "conv2").Apply(h));
                if (stride != 1 || inChannels != filters)
                    shortcut = Bn(p + "downsample.1").Apply(new Conv2D(filters, 1, strides: stride, useBias: false, name: p + "downsample.0").Apply(x));
                x = new Activation("relu", name: p + "relu2").Apply(new Add(name: p + "add").Apply(h, shortcut));
                inChannels = filters;
            }
        }
        return new Model(input, Top(x, includeTop, pooling, classes, classifierActivation), name: name, seed: seed);
    }

    /// <summary>ResNet-50 with Keras's topology (keras.applications.ResNet50): bottleneck blocks
    /// [3, 4, 6, 3], convolutions with biases, batch norm eps 1.001e-5. 25,636,712 parameters at
    /// 224x224x3 with 1000 classes (Keras's count, batch-norm statistics included).</summary>
    public static Model ResNet50(bool includeTop = true, int[]? inputShape = null, int classes = 1000, string? pooling = null,
        string classifierActivation = "softmax", ulong seed = Model.DefaultSeed)
    {
        CheckClasses(classes);
        var input = ImageInput(inputShape, [3, 224, 224], 32, "resnet50");
        BatchNormalization Bn(string n) => new(epsilon: 1.001e-5, name: n);
        SymbolicTensor x = new ZeroPadding2D(3, name: "conv1_pad").Apply(input);
        x = new Conv2D(64, 7, strides: 2, name: "conv1_conv").Apply(x);
        x = new Activation("relu", name: "conv1_relu").Apply(Bn("conv1_bn").Apply(x));
        x = new ZeroPadding2D(1, name: "pool1_pad").Apply(x);
        x = new MaxPooling2D(3, strides: 2, name: "pool1_pool").Apply(x);

        SymbolicTensor Block(SymbolicTensor input, int filters, int stride, bool convShortcut, string name)
        {
            var shortcut = convShortcut
                ? Bn(name + "_0_bn").Apply(new Conv2D(4 * filters, 1, strides: stride, name: name + "_0_conv").Apply(input))
                : input;
            var h = new Conv2D(filters, 1, strides: stride, name: name + "_1_conv").Apply(input);
            h = new Activation("relu", name: name + "_1_relu").Apply(Bn(name + "_1_bn").Apply(h));
            h = new Conv2D(filters, 3, padding: "same", name: name + "_2_conv").Apply(h);
            h = new Activation("relu", name: name + "_2_relu").Apply(Bn(name + "_2_bn").Apply(h));
            h = Bn(name + "_3_bn").Apply(new Conv2D(4 * filters, 1, name: name + "_3_conv").Apply(h));
            return new Activation("relu", name: name + "_out").Apply(new Add(name: name + "_add").Apply(shortcut, h));
        }

        SymbolicTensor Stack(SymbolicTensor h, int filters, int blocks, int stride, string name)
        {
            h = Block(h, filters, stride, convShortcut: true, name + "_block1");
            for (var i = 2; i <= blocks; i++) h = Block(h, filters, 1, convShortcut: false, $"{name}_block{i}");
            return h;
        }

        x = Stack(x, 64, 3, 1, "conv2");
        x = Stack(x, 128, 4, 2, "conv3");
        x = Stack(x, 256, 6, 2, "conv4");
        x = Stack(x, 512, 3, 2, "conv5");
        return new Model(input, Top(x, includeTop, pooling, classes, classifierActivation), name: "resnet50", seed: seed);
    }

    /// <summary>The CIFAR-style ResNet-20 (He et al. 2016, §4.2): a 3x3 16-channel stem, three stages of
    /// three basic blocks (16, 32, 64 channels, stride 2 into stages 2 and 3, 1x1 projection
    /// shortcuts there), global average pooling and the classifier; about 0.27 M parameters. Made for
    /// 32x32 inputs (CIFAR-10), any size of at least 8x8 works.</summary>
    public static Model ResNet20(bool includeTop = true, int[]? inputShape = null, int classes = 10, string? pooling = null,
        string classifierActivation = "softmax", ulong seed = Model.DefaultSeed)
    {
        CheckClasses(classes);
        var input = ImageInput(inputShape, [3, 32, 32], 8, "resnet20");
        SymbolicTensor x = new Conv2D(16, 3, padding: "same", useBias: false, kernelInitializer: "he_normal", name: "conv1").Apply(input);
        x = new Activation("relu", name: "relu1").Apply(new BatchNormalization(name: "bn1").Apply(x));
        var inChannels = 16;
        for (var stage = 0; stage < 3; stage++)
        {
            var filters = 16 << stage;
            for (var b = 0; b < 3; b++)
            {
                var stride = stage > 0 && b == 0 ? 2 : 1;
                var p = $"stage{stage + 1}_block{b + 1}_";
                var shortcut = x;
                var h = new Conv2D(filters, 3, strides: stride, padding: 1, useBias: false, kernelInitializer: "he_normal", name: p + "conv1").Apply(x);
                h = new Activation("relu", name: p + "relu1").Apply(new BatchNormalization(name: p + "bn1").Apply(h));
                h = new BatchNormalization(name: p + "bn2").Apply(new Conv2D(filters, 3, padding: 1, useBias: false, kernelInitializer: "he_normal", name: p + "conv2").Apply(h));
                if (stride != 1 || inChannels != filters)
                    shortcut = new BatchNormalization(name: p + "shortcut_bn").Apply(new Conv2D(filters, 1, strides: stride, useBias: false, name: p + "shortcut").Apply(x));
                x = new Activation("relu", name: p + "out").Apply(new Add(name: p + "add").Apply(h, shortcut));
                inChannels = filters;
            }
        }
        return new Model(input, Top(x, includeTop, pooling, classes, classifierActivation), name: "resnet20", seed: seed);
    }
}
