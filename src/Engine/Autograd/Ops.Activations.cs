using Engine.Backends.Elementwise;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    public static Tensor Relu(Tensor x) => Map(ElementwiseOps.Relu, x);

    public static Tensor Sigmoid(Tensor x) => Map(ElementwiseOps.Sigmoid, x);

    public static Tensor Tanh(Tensor x) => Map(ElementwiseOps.Tanh, x);
}
