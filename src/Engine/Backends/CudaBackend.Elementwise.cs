using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CudaBackend
{
    public void AddForward(Tensor a, Tensor b, Tensor y, int n) => Binary("add_forward", a, b, y, n);

    public void SubForward(Tensor a, Tensor b, Tensor y, int n) => Binary("sub_forward", a, b, y, n);

    public void MulForward(Tensor a, Tensor b, Tensor y, int n) => Binary("mul_forward", a, b, y, n);

    public void DivForward(Tensor a, Tensor b, Tensor y, int n) => Binary("div_forward", a, b, y, n);

    private void Binary(string k, Tensor a, Tensor b, Tensor y, int n) =>
        Launch(k, Grid1D(n), F32(a, n, k), F32(b, n, k), F32(y, n, k), n);

    public void MulBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        const string k = "mul_backward";
        if (da is null && db is null) return;
        Launch(k, Grid1D(n), F32(a, n, k), F32(b, n, k), F32(dy, n, k), F32(da, n, k, optional: true), F32(db, n, k, optional: true), n);
    }

    public void DivBackward(Tensor a, Tensor b, Tensor dy, Tensor? da, Tensor? db, int n)
    {
        const string k = "div_backward";
        if (da is null && db is null) return;
        Launch(k, Grid1D(n), F32(a, n, k), F32(b, n, k), F32(dy, n, k), F32(da, n, k, optional: true), F32(db, n, k, optional: true), n);
    }

    public void Axpy(double alpha, Tensor x, Tensor y, int n)
    {
        const string k = "axpy";
        Launch(k, Grid1D(n), alpha, F32(x, n, k), F32(y, n, k), n);
    }

    public void AffineForward(Tensor x, Tensor y, double scale, double shift, int n)
    {
        const string k = "affine_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), scale, shift, n);
    }

    public void BiasAddForward(Tensor x, Tensor bias, Tensor y, int outer, int channels, int inner)
    {
        const string k = "bias_add_forward";
        var size = (long)outer * channels * inner;
        Launch(k, Grid1D(size), F32(x, size, k), F32(bias, channels, k), F32(y, size, k), outer, channels, inner);
    }

    public void BiasAddBackward(Tensor dy, Tensor dbias, int outer, int channels, int inner)
    {
        const string k = "bias_add_backward";
        var size = (long)outer * channels * inner;
        Launch(k, BlockPerRow(channels, (long)outer * inner), F32(dy, size, k), F32(dbias, channels, k), outer, channels, inner);
    }

    public void ExpForward(Tensor x, Tensor y, int n)
    {
        const string k = "exp_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void LogForward(Tensor x, Tensor y, int n)
    {
        const string k = "log_forward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(y, n, k), n);
    }

    public void LogBackward(Tensor x, Tensor dy, Tensor dx, int n)
    {
        const string k = "log_backward";
        Launch(k, Grid1D(n), F32(x, n, k), F32(dy, n, k), F32(dx, n, k), n);
    }
}
