using Engine.Tensors;

namespace Engine.Backends;

/// <summary>Loss kernels produce one loss value per row (per sample) or per element; weighting and
/// the batch mean are done by ordinary ops on that vector, so sample weights work for every loss.</summary>
public partial interface IBackend
{
    /// <summary>Fused softmax + categorical cross-entropy on logits [rows, cols] and (soft) targets:
    /// loss[r] = -Σ_j t[r,j]·log_softmax(x)[r,j]; probs = softmax(x) is saved for backward.</summary>
    void SoftmaxCrossEntropyForward(Tensor logits, Tensor target, Tensor probs, Tensor loss, int rows, int cols);

    /// <summary>dlogits[r,j] += dloss[r]·(probs[r,j]·Σ_k t[r,k] - t[r,j]).</summary>
    void SoftmaxCrossEntropyBackward(Tensor probs, Tensor target, Tensor dloss, Tensor dlogits, int rows, int cols);

    /// <summary>Same with int32 class labels [rows]: loss[r] = -log_softmax(x)[r, labels[r]].</summary>
    void SparseSoftmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor probs, Tensor loss, int rows, int cols);

    /// <summary>dlogits[r,j] += dloss[r]·(probs[r,j] - [j == labels[r]]).</summary>
    void SparseSoftmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dloss, Tensor dlogits, int rows, int cols);

    /// <summary>Cross-entropy from probabilities: loss[r] = -Σ_j t·log(clip(p, eps, 1-eps)).</summary>
    void CrossEntropyFromProbsForward(Tensor p, Tensor target, Tensor loss, int rows, int cols, double eps);

    /// <summary>dp += dloss[r]·(-t/p) where p is inside the clip range, 0 where clipped.</summary>
    void CrossEntropyFromProbsBackward(Tensor p, Tensor target, Tensor dloss, Tensor dp, int rows, int cols, double eps);

    /// <summary>Fused sigmoid + BCE with logits, elementwise over n = rows·labels, with an optional
    /// per-label positive weight pw[i % labels] (as tf.nn.weighted_cross_entropy_with_logits):
    /// loss = (1-t)·x + (1 + (pw-1)·t)·(log1p(exp(-|x|)) + max(-x, 0)). Stable for any |x|.</summary>
    void SigmoidBceWithLogitsForward(Tensor logits, Tensor target, Tensor? posWeight, Tensor loss, int n, int labels);

    /// <summary>dx += dloss·((1-t) - (1 + (pw-1)·t)·(1 - sigmoid(x))).</summary>
    void SigmoidBceWithLogitsBackward(Tensor logits, Tensor target, Tensor? posWeight, Tensor dloss, Tensor dlogits, int n, int labels);
}
