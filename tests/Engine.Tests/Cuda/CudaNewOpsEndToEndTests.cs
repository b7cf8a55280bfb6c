using Engine.Autograd;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Issue 14's ops through Ops.* on the GPU (or the kernel emulator) against the CPU in
/// float32: outputs and the gradients of every input for a weighted sum of the output, so the
/// composites (grouped GEMMs on row views, dilated im2col, depthwise + bias, global max pool as a
/// whole-image max pool, transposes) are checked as users run them.</summary>
[Collection(CudaCollection.Name)]
public class CudaNewOpsEndToEndTests
{
    private readonly Rng _rng = new(77);

    private void Agree(string name, Func<Tensor[], Tensor> f, params int[][] shapes)
    {
        var device = CudaTestSupport.TrainingDevice();
        var cpu = shapes.Select(s => Tensor.RandomNormal(new Shape(s), _rng)).ToArray();
        var gpu = cpu.Select(t => t.To(device)).ToArray();
        foreach (var t in cpu.Concat(gpu)) t.RequiresGrad = true;
        var yCpu = f(cpu);
        var yGpu = f(gpu);
        Parity.AssertClose(name + " forward", yCpu, yGpu.To(Device.Cpu));
        var weights = Tensor.RandomNormal(yCpu.Shape, _rng);
        Ops.Sum(Ops.Mul(yCpu, weights)).Backward();
        Ops.Sum(Ops.Mul(yGpu, weights.To(device))).Backward();
        for (var i = 0; i < cpu.Length; i++)
            Parity.AssertClose($"{name} gradient of input {i}", cpu[i].Grad!, gpu[i].Grad!.To(Device.Cpu));
    }

    [Fact]
    public void GroupedDilatedExplicitConvWithBiasAndRelu() => Agree("conv2d groups=2 d=2 explicit relu",
        t => Ops.Conv2D(t[0], t[1], t[2], 1, 1, ((1, 2), (2, 0)), 2, 2, groups: 2, relu: true), [3, 4, 7, 9], [6, 2, 3, 3], [6]);

    [Fact]
    public void StridedSameConvWithGroups() => Agree("conv2d groups=3 stride 2 same",
        t => Ops.Conv2D(t[0], t[1], t[2], 2, 2, ConvPadding.Same, groups: 3), [3, 6, 8, 9], [9, 2, 3, 3], [9]);

    [Fact]
    public void DepthwiseWithMultiplierAndBias() => Agree("depthwise_conv2d M=2 stride 2 same",
        t => Ops.DepthwiseConv2D(t[0], t[1], t[2], 2, 2, ConvPadding.Same), [3, 4, 7, 9], [8, 1, 3, 3], [8]);

    [Fact]
    public void SpatialOps()
    {
        Agree("zero_pad2d", t => Ops.ZeroPad2D(t[0], 1, 0, 2, 3), [3, 4, 5, 7]);
        Agree("crop2d", t => Ops.Crop2D(t[0], 1, 0, 2, 3), [3, 4, 5, 7]);
        Agree("up_sampling2d", t => Ops.UpSampling2D(t[0], 2, 3), [3, 4, 5, 7]);
        Agree("global_max_pool2d", t => Ops.GlobalMaxPool2D(t[0]), [3, 4, 5, 7]);
        Agree("transpose", t => Ops.Transpose(t[0], 0, 2, 3, 1), [3, 4, 5, 7]);
    }

    [Fact]
    public void Activations()
    {
        Agree("relu6", t => Ops.Relu6(Ops.Affine(t[0], 4, 0)), [3, 5, 7]);
        Agree("leaky_relu", t => Ops.LeakyRelu(t[0], 0.3), [3, 5, 7]);
        Agree("elu", t => Ops.Elu(t[0]), [3, 5, 7]);
        Agree("hard_sigmoid", t => Ops.HardSigmoid(Ops.Affine(t[0], 4, 0)), [3, 5, 7]);
        Agree("hard_swish", t => Ops.HardSwish(Ops.Affine(t[0], 4, 0)), [3, 5, 7]);
    }
}
