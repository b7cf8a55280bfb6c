using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void Im2Col(Tensor x, Tensor col, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        Launch(k, Grid1D(g.ColumnsSize), F32(x, g.InputSize, k), F32(col, g.ColumnsSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    public void Col2Im(Tensor col, Tensor dx, Conv2DGeometry g)
    {
        var k = KernelNames.Of();
        CheckStrides(k, g.SH, g.SW);
        Launch(k, Grid1D(g.InputSize), F32(col, g.ColumnsSize, k), F32(dx, g.InputSize, k),
            g.N, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW, g.OH, g.OW);
    }

    /// <summary>The gather kernels divide by the strides.</summary>
    private static void CheckStrides(string kernel, int sh, int sw)
    {
        if (sh <= 0 || sw <= 0)
            throw new ArgumentOutOfRangeException(nameof(sh), $"{kernel}: strides must be positive; received ({sh}, {sw}).");
    }
}
