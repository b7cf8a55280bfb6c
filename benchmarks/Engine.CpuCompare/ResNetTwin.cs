using Engine.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using ELayers = Engine.Layers;

namespace Engine.CpuCompare;

/// <summary>The TorchSharp twin of Engine's zoo ResNet-20 and ResNet18 (src/Engine/Applications/ResNet.cs):
/// the same convolutions (strides, padding, no bias), batch norms (eps, torch momentum = 1 − Keras
/// momentum), residual adds and 1x1 projection shortcuts, global average pooling and the classifier,
/// with every weight and batch-norm statistic copied from the Engine model by layer name.</summary>
internal sealed class ResNetTwin : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _stem;
    private readonly ModuleList<BasicBlock> _blocks;
    private readonly Linear _fc;

    private ResNetTwin(nn.Module<Tensor, Tensor> stem, IEnumerable<BasicBlock> blocks, Linear fc) : base("resnet_twin")
    {
        _stem = stem;
        _blocks = nn.ModuleList(blocks.ToArray());
        _fc = fc;
        RegisterComponents();
    }

    public static ResNetTwin Build(string zoo, Model model) => zoo switch
    {
        "resnet20" => ResNet20(model),
        "resnet18" => ResNet18(model),
        _ => throw new NotSupportedException($"cpu-compare has no TorchSharp twin for zoo model '{zoo}'."),
    };

    public override Tensor forward(Tensor x)
    {
        x = _stem.forward(x);
        foreach (var block in _blocks) x = block.forward(x);
        return _fc.forward(x.mean([2, 3]));
    }

    // Engine: conv1 (3x3 "same", 16) · bn1 · relu, stages of 3 blocks (16, 32, 64), stride 2 into stages 2 and 3.
    private static ResNetTwin ResNet20(Model m)
    {
        var stem = nn.Sequential(("conv1", Conv(m, "conv1", 1, 1)), ("bn1", Bn(m, "bn1")), ("relu", nn.ReLU()));
        var blocks = new List<BasicBlock>();
        var inChannels = 16;
        for (var stage = 0; stage < 3; stage++)
            for (var b = 0; b < 3; b++)
            {
                var (filters, stride, p) = (16 << stage, stage > 0 && b == 0 ? 2 : 1, $"stage{stage + 1}_block{b + 1}_");
                var projection = stride != 1 || inChannels != filters
                    ? nn.Sequential(("conv", Conv(m, p + "shortcut", stride, 0)), ("bn", Bn(m, p + "shortcut_bn")))
                    : null;
                blocks.Add(new BasicBlock(Conv(m, p + "conv1", stride, 1), Bn(m, p + "bn1"), Conv(m, p + "conv2", 1, 1), Bn(m, p + "bn2"), projection));
                inChannels = filters;
            }
        return new ResNetTwin(stem, blocks, Fc(m));
    }

    // Engine: conv1 (7x7/2, padding 3) · bn1 · relu · ZeroPadding2D(1) · MaxPooling2D(3, 2), basic blocks [2, 2, 2, 2].
    private static ResNetTwin ResNet18(Model m)
    {
        var stem = nn.Sequential(("conv1", Conv(m, "conv1", 2, 3)), ("bn1", Bn(m, "bn1")), ("relu", nn.ReLU()),
            ("pad", nn.ZeroPad2d(1)), ("maxpool", nn.MaxPool2d(3, 2)));
        var blocks = new List<BasicBlock>();
        var inChannels = 64;
        for (var stage = 0; stage < 4; stage++)
            for (var b = 0; b < 2; b++)
            {
                var (filters, stride, p) = (64 << stage, stage > 0 && b == 0 ? 2 : 1, $"layer{stage + 1}.{b}.");
                var projection = stride != 1 || inChannels != filters
                    ? nn.Sequential(("conv", Conv(m, p + "downsample.0", stride, 0)), ("bn", Bn(m, p + "downsample.1")))
                    : null;
                blocks.Add(new BasicBlock(Conv(m, p + "conv1", stride, 1), Bn(m, p + "bn1"), Conv(m, p + "conv2", 1, 1), Bn(m, p + "bn2"), projection));
                inChannels = filters;
            }
        return new ResNetTwin(stem, blocks, Fc(m));
    }

    /// <summary>A bias-free convolution with Engine's kernel (OIHW in both); stride and padding are
    /// checked against the Engine layer so a change in the zoo cannot go unnoticed.</summary>
    private static Conv2d Conv(Model m, string name, int stride, int padding)
    {
        var layer = (ELayers.Conv2D)m.GetLayer(name);
        if (layer.Strides.Height != stride || layer.Strides.Width != stride || layer.Bias is not null)
            throw new InvalidOperationException($"{name}: the twin expects stride {stride} and no bias.");
        var w = layer.Kernel!.Value;
        var conv = nn.Conv2d(w.Shape[1], w.Shape[0], (w.Shape[2], w.Shape[3]), stride: (stride, stride), padding: (padding, padding), bias: false);
        Copy(conv.weight!, w.ToFloatArray(), w.Shape.ToArray());
        return conv;
    }

    private static BatchNorm2d Bn(Model m, string name)
    {
        var layer = (ELayers.BatchNormalization)m.GetLayer(name);
        var channels = layer.Gamma!.Value.Shape[0];
        var bn = nn.BatchNorm2d(channels, eps: layer.Epsilon, momentum: 1 - layer.Momentum);
        Copy(bn.weight!, layer.Gamma.Value.ToFloatArray(), [channels]);
        Copy(bn.bias!, layer.Beta!.Value.ToFloatArray(), [channels]);
        Copy(bn.running_mean!, layer.MovingMean!.Value.ToFloatArray(), [channels]);
        Copy(bn.running_var!, layer.MovingVariance!.Value.ToFloatArray(), [channels]);
        return bn;
    }

    private static Linear Fc(Model m)
    {
        var dense = (ELayers.Dense)m.GetLayer("predictions");
        var w = dense.Kernel!.Value; // [in, out]
        var (inputs, outputs) = (w.Shape[0], w.Shape[1]);
        var src = w.ToFloatArray();
        var transposed = new float[src.Length];
        for (var r = 0; r < inputs; r++)
            for (var c = 0; c < outputs; c++) transposed[c * inputs + r] = src[r * outputs + c];
        var linear = nn.Linear(inputs, outputs);
        Copy(linear.weight!, transposed, [outputs, inputs]);
        Copy(linear.bias!, dense.Bias!.Value.ToFloatArray(), [outputs]);
        return linear;
    }

    private static void Copy(Tensor target, float[] values, IEnumerable<int> dims)
    {
        using var _ = no_grad();
        using var source = tensor(values, dims.Select(d => (long)d).ToArray());
        target.copy_(source);
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut a projection where the shape changes.</summary>
    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d _conv1, _conv2;
        private readonly BatchNorm2d _bn1, _bn2;
        private readonly nn.Module<Tensor, Tensor>? _projection;

        public BasicBlock(Conv2d conv1, BatchNorm2d bn1, Conv2d conv2, BatchNorm2d bn2, nn.Module<Tensor, Tensor>? projection) : base("block")
        {
            (_conv1, _bn1, _conv2, _bn2, _projection) = (conv1, bn1, conv2, bn2, projection);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = nn.functional.relu(_bn1.forward(_conv1.forward(x)));
            h = _bn2.forward(_conv2.forward(h));
            return nn.functional.relu(h + (_projection is null ? x : _projection.forward(x)));
        }
    }
}
