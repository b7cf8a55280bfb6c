using Engine.Tensors;

namespace Engine.Backends;

public sealed partial class CpuBackend
{
    public void SoftmaxCrossEntropyForward(Tensor logits, Tensor target, Tensor probs, Tensor loss, int rows, int cols)
        => throw new NotImplementedException("SoftmaxCrossEntropyForward: CPU twin not written yet");

    public void SoftmaxCrossEntropyBackward(Tensor probs, Tensor target, Tensor dloss, Tensor dlogits, int rows, int cols)
        => throw new NotImplementedException("SoftmaxCrossEntropyBackward: CPU twin not written yet");

    public void SparseSoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probs, Tensor loss, int rows, int cols)
        => throw new NotImplementedException("SparseSoftmaxCrossEntropyForward: CPU twin not written yet");

    public void SparseSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dloss, Tensor dlogits, int rows, int cols)
        => throw new NotImplementedException("SparseSoftmaxCrossEntropyBackward: CPU twin not written yet");

    public void CrossEntropyFromProbsForward(Tensor p, Tensor target, Tensor loss, int rows, int cols, double eps)
        => throw new NotImplementedException("CrossEntropyFromProbsForward: CPU twin not written yet");

    public void CrossEntropyFromProbsBackward(Tensor p, Tensor target, Tensor dloss, Tensor dp, int rows, int cols, double eps)
        => throw new NotImplementedException("CrossEntropyFromProbsBackward: CPU twin not written yet");

    public void BinaryCrossEntropyForward(Tensor p, Tensor target, Tensor loss, int n, double eps)
        => throw new NotImplementedException("BinaryCrossEntropyForward: CPU twin not written yet");

    public void BinaryCrossEntropyBackward(Tensor p, Tensor target, Tensor dloss, Tensor dp, int n, double eps)
        => throw new NotImplementedException("BinaryCrossEntropyBackward: CPU twin not written yet");

    public void SigmoidBceWithLogitsForward(Tensor logits, Tensor target, Tensor? posWeight, Tensor loss, int n, int labels)
        => throw new NotImplementedException("SigmoidBceWithLogitsForward: CPU twin not written yet");

    public void SigmoidBceWithLogitsBackward(Tensor logits, Tensor target, Tensor? posWeight, Tensor dloss, Tensor dlogits, int n, int labels)
        => throw new NotImplementedException("SigmoidBceWithLogitsBackward: CPU twin not written yet");
}
