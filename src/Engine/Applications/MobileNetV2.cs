using Engine.Layers;
using Engine.Models;

namespace Engine;

public static partial class Applications
{
    /// <summary>MobileNetV2 with Keras's topology (keras.applications.MobileNetV2): a 3x3/2 stem, 17
    /// inverted residual blocks (1x1 expansion, 3x3 depthwise, 1x1 linear projection; Add where the
    /// shape is kept; stride-2 blocks pad with Keras's correct_pad), a 1x1 1280-channel head, ReLU6
    /// throughout, batch norm eps 1e-3 / momentum 0.999. <paramref name="alpha"/> scales the widths.
    /// 3,538,984 parameters at 224x224x3, 1000 classes, alpha 1.0 (Keras's count, batch-norm
    /// statistics included).</summary>
    public static Model MobileNetV2(int[]? inputShape = null, double alpha = 1.0, bool includeTop = true, int classes = 1000,
        string? pooling = null, string classifierActivation = "softmax", ulong seed = Model.DefaultSeed)
    {
        CheckClasses(classes);
        if (!(alpha > 0)) throw new ArgumentException($"alpha must be positive; received {alpha}.", nameof(alpha));
        var input = ImageInput(inputShape, [3, 224, 224], 32, "mobilenetv2");
        BatchNormalization Bn(string n) => new(momentum: 0.999, epsilon: 1e-3, name: n);

        SymbolicTensor x = new Conv2D(MakeDivisible(32 * alpha, 8), 3, strides: 2, padding: "same", useBias: false, name: "Conv1").Apply(input);
        x = new ReLU(6, name: "Conv1_relu").Apply(Bn("bn_Conv1").Apply(x));

        SymbolicTensor Block(SymbolicTensor inputs, int expansion, int stride, int filters, int id)
        {
            var inChannels = inputs.Shape[0];
            var pointwise = MakeDivisible((int)(filters * alpha), 8);
            var h = inputs;
            var prefix = $"block_{id}_";
            if (id > 0)
            {
                h = new Conv2D(expansion * inChannels, 1, padding: "same", useBias: false, name: prefix + "expand").Apply(h);
                h = new ReLU(6, name: prefix + "expand_relu").Apply(Bn(prefix + "expand_BN").Apply(h));
            }
            else prefix = "expanded_conv_";
            if (stride == 2) h = new ZeroPadding2D(CorrectPad(h.Shape, 3), name: prefix + "pad").Apply(h);
            h = new DepthwiseConv2D(3, strides: stride, padding: stride == 1 ? "same" : "valid", useBias: false, name: prefix + "depthwise").Apply(h);
            h = new ReLU(6, name: prefix + "depthwise_relu").Apply(Bn(prefix + "depthwise_BN").Apply(h));
            h = Bn(prefix + "project_BN").Apply(new Conv2D(pointwise, 1, padding: "same", useBias: false, name: prefix + "project").Apply(h));
            return inChannels == pointwise && stride == 1 ? new Add(name: prefix + "add").Apply(inputs, h) : h;
        }

        (int Filters, int Stride, int Expansion)[] blocks =
        [
            (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
            (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6),
        ];
        for (var id = 0; id < blocks.Length; id++) x = Block(x, blocks[id].Expansion, blocks[id].Stride, blocks[id].Filters, id);

        var last = alpha > 1.0 ? MakeDivisible(1280 * alpha, 8) : 1280;
        x = new Conv2D(last, 1, useBias: false, name: "Conv_1").Apply(x);
        x = new ReLU(6, name: "out_relu").Apply(Bn("Conv_1_bn").Apply(x));
        var suffix = alpha == 1.0 ? "1.00" : alpha.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        return new Model(input, Top(x, includeTop, pooling, classes, classifierActivation), name: $"mobilenetv2_{suffix}_{input.Shape[1]}".Replace('.', '_'), seed: seed);
    }

    /// <summary>Keras's _make_divisible: the nearest multiple of the divisor, never more than 10% below v.</summary>
    private static int MakeDivisible(double v, int divisor)
    {
        var rounded = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * v ? rounded + divisor : rounded;
    }

    /// <summary>Keras's imagenet_utils.correct_pad: TensorFlow's "same" padding for a stride-2 kernel,
    /// one row/column less at the top/left when the size is even (channels-first shape).</summary>
    private static Pad2 CorrectPad(int[] shape, int kernel)
    {
        var (adjustH, adjustW) = (1 - shape[1] % 2, 1 - shape[2] % 2);
        var c = kernel / 2;
        return ((c - adjustH, c), (c - adjustW, c));
    }
}
