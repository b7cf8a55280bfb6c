using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void Im2Col(Tensor x, Tensor col, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        => throw new NotImplementedException("Im2Col: CPU twin not written yet");

    public void Col2Im(Tensor col, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        => throw new NotImplementedException("Col2Im: CPU twin not written yet");

    public void MaxPool2DForward(Tensor x, Tensor y, Tensor argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        => throw new NotImplementedException("MaxPool2DForward: CPU twin not written yet");

    public void MaxPool2DBackward(Tensor dy, Tensor argmax, Tensor dx, int total)
        => throw new NotImplementedException("MaxPool2DBackward: CPU twin not written yet");

    public void AvgPool2DForward(Tensor x, Tensor y, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        => throw new NotImplementedException("AvgPool2DForward: CPU twin not written yet");

    public void AvgPool2DBackward(Tensor dy, Tensor dx, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow)
        => throw new NotImplementedException("AvgPool2DBackward: CPU twin not written yet");
}
