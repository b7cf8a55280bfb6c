using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void DepthwiseConv2DForward(Tensor x, Tensor filt, Tensor y, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        g = g.RequireDepthwise();
        Launch(k, Grid1D(g.OutputSize), F32(x, g.InputSize, k), F32(filt, FilterSize(g), k), F32(y, g.OutputSize, k), 
            g.N, g.C, g.H, g.W, g.Multiplier, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    public void DepthwiseConv2DBackwardInput(Tensor dy, Tensor filt, Tensor dx, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        g = g.RequireDepthwise();
        CheckStrides(k, g.SH, g.SW);
        Launch(k, Grid1D(g.InputSize), F32(dy, g.OutputSize, k), F32(filt, FilterSize(g), k), F32(dx, g.InputSize, k), 
            g.N, g.C, g.H, g.W, g.Multiplier, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    public void DepthwiseConv2DBackwardFilter(Tensor x, Tensor dy, Tensor dfilt, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        g = g.RequireDepthwise();
        Launch(k, BlockPerRow(FilterSize(g), (long)g.N * g.OH * g.OW), F32(x, g.InputSize, k), F32(dy, g.OutputSize, k), F32(dfilt, FilterSize(g), k), 
            g.N, g.C, g.H, g.W, g.Multiplier, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    private static long FilterSize(Conv2DGeometry g) => (long)g.F * g.KH * g.KW;
}
