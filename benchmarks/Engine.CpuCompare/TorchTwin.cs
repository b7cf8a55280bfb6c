using Engine.Layers;
using Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Engine.CpuCompare;

/// <summary>The TorchSharp model with the same layers as an Engine Sequential and a copy of its
/// weights (conv kernels are OIHW in both; a Dense kernel [in, out] becomes Linear's [out, in]).</summary>
internal static class TorchTwin
{
    public static nn.Module<Tensor, Tensor> Build(Sequential model)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var i = 0;
        foreach (var layer in model.Layers)
        {
            i++;
            switch (layer)
            {
                case Input:
                    break;
                case Conv2D conv:
                {
                    var w = conv.Kernel!.Value;
                    var torchConv = nn.Conv2d(w.Shape[1], w.Shape[0], (w.Shape[2], w.Shape[3]));
                    Copy(torchConv.weight!, w.ToFloatArray(), w.Shape.ToArray());
                    Copy(torchConv.bias!, conv.Bias!.Value.ToFloatArray(), [conv.Filters]);
                    modules.Add(($"conv{i}", torchConv));
                    if (conv.Activation == "relu") modules.Add(($"relu{i}", nn.ReLU()));
                    break;
                }
                case MaxPooling2D pool:
                    modules.Add(($"pool{i}", nn.MaxPool2d(pool.PoolSize.Height)));
                    break;
                case Flatten:
                    modules.Add(($"flatten{i}", nn.Flatten()));
                    break;
                case Dense dense:
                {
                    var w = dense.Kernel!.Value; // [in, out]
                    var (inputs, outputs) = (w.Shape[0], w.Shape[1]);
                    var linear = nn.Linear(inputs, outputs);
                    var src = w.ToFloatArray();
                    var transposed = new float[src.Length];
                    for (var r = 0; r < inputs; r++)
                        for (var c = 0; c < outputs; c++) transposed[c * inputs + r] = src[r * outputs + c];
                    Copy(linear.weight!, transposed, [outputs, inputs]);
                    Copy(linear.bias!, dense.Bias!.Value.ToFloatArray(), [outputs]);
                    modules.Add(($"dense{i}", linear));
                    if (dense.Activation == "relu") modules.Add(($"relu{i}", nn.ReLU()));
                    break;
                }
                default:
                    throw new NotSupportedException($"cpu-compare has no TorchSharp twin for layer {layer.GetType().Name}.");
            }
        }
        return nn.Sequential(modules.ToArray());
    }

    private static void Copy(Tensor target, float[] values, IEnumerable<int> dims)
    {
        using var _ = no_grad();
        using var source = tensor(values, dims.Select(d => (long)d).ToArray());
        target.copy_(source);
    }
}
