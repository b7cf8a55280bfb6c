using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>Loss functions. Each returns one loss per sample (the batch axis first, the class or
/// label axis last and reduced), so sample weights and the batch mean are ordinary ops
/// (<see cref="WeightedMean"/>). Gradients flow to logits / probabilities only: targets, labels,
/// positive weights and sample weights are constants. Targets of another dtype are cast to the
/// prediction's dtype, like Keras does with y_true.</summary>
public static partial class Ops
{
    /// <summary>Softmax + categorical cross-entropy on logits (N, C) and one-hot or soft targets (N, C),
    /// fused and stable (max-subtracted log-sum-exp). Keras: CategoricalCrossentropy(from_logits=True);
    /// PyTorch: CrossEntropyLoss(reduction='none') with probability targets. Label smoothing as Keras:
    /// t' = t·(1 - ls) + ls / C. Returns the per-sample loss (N).</summary>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor target, double labelSmoothing = 0)
    {
        const string op = "softmax_cross_entropy";
        var (rows, cols) = ClassAxisView(op, logits, "logits");
        var owned = new List<Tensor>();
        var t = TargetFor(op, logits, "logits", target, owned,
            " For integer class labels (N,) use SparseSoftmaxCrossEntropy.");
        t = SmoothLabels(op, t, labelSmoothing, cols, owned);

        var probs = Tensor.EmptyLike(logits);
        owned.Add(probs);
        var loss = Tensor.Empty(BatchShape(logits), logits.DType, logits.Device);
        logits.Backend.SoftmaxCrossEntropyForward(logits, t, probs, loss, rows, cols);
        RecordOrRelease(op, loss, logits, owned,
            (dy, dx) => dy.Backend.SoftmaxCrossEntropyBackward(probs, t, dy, dx, rows, cols));
        return loss;
    }

    /// <summary>Softmax + cross-entropy with int32 class labels (N) (or (N, 1)) for logits (N, C).
    /// Keras: SparseCategoricalCrossentropy(from_logits=True); PyTorch: CrossEntropyLoss(reduction='none').
    /// Labels on the CPU are checked: one outside [0, C) is an error, not a silent zero. Labels on a
    /// GPU are not read back; an out-of-range one gives a NaN loss (and no gradient) for its row.</summary>
    public static Tensor SparseSoftmaxCrossEntropy(Tensor logits, Tensor labels)
    {
        const string op = "sparse_softmax_cross_entropy";
        var (rows, cols) = ClassAxisView(op, logits, "logits");
        if (labels.DType != DType.Int32)
            throw new ArgumentException($"{op} expects int32 class labels; received {labels.DType.Name()} labels of shape {labels.Shape}. " +
                "For one-hot or soft targets (N, C) use SoftmaxCrossEntropy.");
        RequireSameDevice(op, logits, "logits", labels, "labels");
        var batch = BatchShape(logits);
        if (labels.Shape != batch && !(labels.Rank == batch.Rank + 1 && labels.Shape[^1] == 1 && labels.Shape.AsSpan()[..^1].SequenceEqual(batch.AsSpan())))
            throw new ArgumentException($"{op}: labels must have shape {batch} (one class index per sample) to match logits {logits.Shape}; received labels {labels.Shape}.");
        // Host labels are checked here: one out of range is an error. Labels already on a GPU are not
        // read back (that would wait for the GPU on every step, and cannot happen inside a CUDA graph):
        // the kernels give a NaN loss for them instead, as TensorFlow does on a GPU. Fit and
        // TrainOnBatch check the host labels before uploading them.
        if (!labels.Device.IsCuda)
        {
            var host = labels.Span<int>();
            for (var i = 0; i < host.Length; i++)
                if ((uint)host[i] >= (uint)cols)
                    throw new ArgumentException($"{op}: label {host[i]} at index {i} is out of range for {cols} classes (expected 0 <= label < {cols}).");
        }

        var probs = Tensor.EmptyLike(logits);
        var loss = Tensor.Empty(batch, logits.DType, logits.Device);
        logits.Backend.SparseSoftmaxCrossEntropyForward(logits, labels, probs, loss, rows, cols);
        if (!Tape.WillRecord(logits))
        {
            probs.Dispose();
            return loss;
        }
        Tape.Record(op, loss, [logits], (logits, probs, labels, rows, cols), static (in s, dy, grad) =>
        {
            var (logits, probs, labels, rows, cols) = s;
            if (grad(logits) is { } dx) dy.Backend.SparseSoftmaxCrossEntropyBackward(probs, labels, dy, dx, rows, cols);
            probs.Dispose(); // a node's backward runs at most once
        });
        return loss;
    }

    /// <summary>Categorical cross-entropy from probabilities (N, C), e.g. a Softmax output, with Keras's
    /// clip to [epsilon, 1 - epsilon]: loss = -Σ t·log(clip(p)). Keras also divides p by its row sum
    /// first; that is a no-op for softmax outputs and is not done here. Prefer SoftmaxCrossEntropy on
    /// logits: it is exact where this one clips.</summary>
    public static Tensor CategoricalCrossEntropy(Tensor probs, Tensor target, double labelSmoothing = 0, double epsilon = 1e-7)
    {
        const string op = "categorical_cross_entropy";
        var (rows, cols) = ClassAxisView(op, probs, "probs");
        RequireEpsilon(op, epsilon);
        var owned = new List<Tensor>();
        var t = TargetFor(op, probs, "probs", target, owned, "");
        t = SmoothLabels(op, t, labelSmoothing, cols, owned);

        var loss = Tensor.Empty(BatchShape(probs), probs.DType, probs.Device);
        probs.Backend.CrossEntropyFromProbsForward(probs, t, loss, rows, cols, epsilon);
        RecordOrRelease(op, loss, probs, owned,
            (dy, dp) => dy.Backend.CrossEntropyFromProbsBackward(probs, t, dy, dp, rows, cols, epsilon));
        return loss;
    }

    /// <summary>Binary cross-entropy from probabilities, averaged over the last axis like Keras's
    /// binary_crossentropy: (N, L) → (N). A rank-1 input (N) is one label per sample and gives (N).</summary>
    public static Tensor BinaryCrossEntropy(Tensor probs, Tensor target, double epsilon = 1e-7) =>
        MeanOverLabels(BinaryCrossEntropyElementwise(probs, target, epsilon));

    /// <summary>Elementwise binary cross-entropy from probabilities with Keras's clip:
    /// -(t·log(pc) + (1 - t)·log(1 - pc)), pc = clip(p, epsilon, 1 - epsilon). Same shape as probs.</summary>
    public static Tensor BinaryCrossEntropyElementwise(Tensor probs, Tensor target, double epsilon = 1e-7)
    {
        const string op = "binary_cross_entropy";
        RequireFloat(op, probs);
        RequireEpsilon(op, epsilon);
        var owned = new List<Tensor>();
        var t = TargetFor(op, probs, "probs", target, owned, "");

        var loss = Tensor.EmptyLike(probs);
        probs.Backend.BinaryCrossEntropyForward(probs, t, loss, probs.Size, epsilon);
        RecordOrRelease(op, loss, probs, owned,
            (dy, dp) => dy.Backend.BinaryCrossEntropyBackward(probs, t, dy, dp, dy.Size, epsilon));
        return loss;
    }

    /// <summary>Sigmoid + binary cross-entropy on logits, averaged over the last axis: (N, L) → (N).
    /// posWeight (L) multiplies the positive term per label, as PyTorch's BCEWithLogitsLoss(pos_weight)
    /// and tf.nn.weighted_cross_entropy_with_logits; null means all ones.</summary>
    public static Tensor SigmoidBceWithLogits(Tensor logits, Tensor target, Tensor? posWeight = null) =>
        MeanOverLabels(SigmoidBceWithLogitsElementwise(logits, target, posWeight));

    /// <summary>Elementwise sigmoid + binary cross-entropy on logits (same shape as logits), in the
    /// stable form (1 - t)·x + (1 + (pw - 1)·t)·(log1p(exp(-|x|)) + max(-x, 0)): finite for any logit,
    /// never log(sigmoid(x)).</summary>
    public static Tensor SigmoidBceWithLogitsElementwise(Tensor logits, Tensor target, Tensor? posWeight = null)
    {
        const string op = "sigmoid_bce_with_logits";
        RequireFloat(op, logits);
        var owned = new List<Tensor>();
        var t = TargetFor(op, logits, "logits", target, owned, "");
        var labels = logits.Rank == 0 ? 1 : logits.Shape[-1];
        Tensor? pw = null;
        if (posWeight is not null)
        {
            RequireSameDevice(op, logits, "logits", posWeight, "pos_weight");
            if (posWeight.Rank != 1 || posWeight.Size != labels)
                throw new ArgumentException($"{op}: pos_weight must have shape ({labels},), one weight per label (the last axis of logits {logits.Shape}); received pos_weight {posWeight.Shape}.");
            pw = CastLike(posWeight, logits, owned);
        }

        var loss = Tensor.EmptyLike(logits);
        logits.Backend.SigmoidBceWithLogitsForward(logits, t, pw, loss, logits.Size, labels);
        RecordOrRelease(op, loss, logits, owned,
            (dy, dx) => dy.Backend.SigmoidBceWithLogitsBackward(logits, t, pw, dy, dx, dy.Size, labels));
        return loss;
    }

    /// <summary>Σ_i w_i·l_i / N: the batch loss from per-sample losses (N) and optional sample weights
    /// (N), Keras's "sum_over_batch_size" (PyTorch's mean with per-sample weights). Losses with more
    /// axes (N, ...) are summed with w_i applied to every element of sample i and divided by their
    /// element count, as Keras does. Weights are constants. Returns a scalar.</summary>
    public static Tensor WeightedMean(Tensor perSample, Tensor? sampleWeight = null)
    {
        const string op = "weighted_mean";
        RequireFloat(op, perSample);
        if (perSample.Rank < 1)
            throw new ArgumentException($"{op} expects per-sample losses with a batch axis (N, ...); received a scalar.");
        if (sampleWeight is null) return Mean(perSample);

        var n = perSample.Shape[0];
        RequireSameDevice(op, perSample, "losses", sampleWeight, "sample_weight");
        if (sampleWeight.Rank != 1 || sampleWeight.Size != n)
            throw new ArgumentException($"{op}: sample_weight must have shape ({n},), one weight per sample of the losses {perSample.Shape}; received sample_weight {sampleWeight.Shape}.");
        // Detach: a weight that happens to require grad still gets none.
        var w = sampleWeight.DType == perSample.DType ? sampleWeight.Detach() : sampleWeight.To(perSample.DType);
        var perRow = perSample.Rank == 1 ? perSample : Sum(perSample, [.. Enumerable.Range(1, perSample.Rank - 1)]);
        return DivScalar(Sum(Mul(perRow, w)), perSample.Size);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /// <summary>Checks a float prediction with a class axis (N, C) and views it as [rows, cols].</summary>
    private static (int Rows, int Cols) ClassAxisView(string op, Tensor x, string name)
    {
        RequireFloat(op, x);
        if (x.Rank < 2)
            throw new ArgumentException($"{op} expects {name} of shape (N, C) with the classes on the last axis; received {name} {x.Shape}.");
        return LastAxisView(op, x);
    }

    /// <summary>The shape without the last (class / label) axis.</summary>
    private static Shape BatchShape(Tensor x) => Shape.Of(x.Shape.AsSpan()[..^1]);

    /// <summary>Checks that the target matches the prediction's shape and device, and casts it to
    /// the prediction's dtype if needed (the cast copy goes to <paramref name="owned"/>).</summary>
    private static Tensor TargetFor(string op, Tensor pred, string predName, Tensor target, List<Tensor> owned, string hint)
    {
        if (target.Shape != pred.Shape)
            throw new ArgumentException($"{op}: {predName} and target must have the same shape; received {predName} {pred.Shape} and target {target.Shape}.{hint}");
        RequireSameDevice(op, pred, predName, target, "target");
        return CastLike(target, pred, owned);
    }

    private static Tensor CastLike(Tensor constant, Tensor like, List<Tensor> owned)
    {
        if (constant.DType == like.DType) return constant;
        var cast = constant.To(like.DType);
        owned.Add(cast);
        return cast;
    }

    private static void RequireSameDevice(string op, Tensor a, string aName, Tensor b, string bName)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: {aName} is on {a.Device} but {bName} is on {b.Device}; move one with To(device).");
    }

    /// <summary>Keras's label smoothing t' = t·(1 - ls) + ls / C, computed as a constant.</summary>
    private static Tensor SmoothLabels(string op, Tensor t, double ls, int classes, List<Tensor> owned)
    {
        if (!(ls >= 0 && ls <= 1))
            throw new ArgumentException($"{op}: label_smoothing must be in [0, 1]; received {ls}.");
        if (ls == 0) return t;
        using (Tape.NoGrad())
        {
            var smoothed = Affine(t, 1 - ls, ls / classes);
            owned.Add(smoothed);
            return smoothed;
        }
    }

    private static void RequireEpsilon(string op, double epsilon)
    {
        if (!(epsilon >= 0 && epsilon < 0.5))
            throw new ArgumentException($"{op}: epsilon must be in [0, 0.5) so that the clip range [epsilon, 1 - epsilon] is not empty; received {epsilon}.");
    }

    /// <summary>Mean over the last (label) axis; a rank-0 or rank-1 loss is already per sample.</summary>
    private static Tensor MeanOverLabels(Tensor elementwise) => elementwise.Rank < 2 ? elementwise : Mean(elementwise, -1);

    /// <summary>Records a loss whose only differentiable input is the prediction. The saved temporaries
    /// are freed after the backward has used them, or at once when nothing will be recorded.</summary>
    private static void RecordOrRelease(string op, Tensor loss, Tensor pred, List<Tensor> saved, Action<Tensor, Tensor> backward)
    {
        if (!Tape.WillRecord(pred))
        {
            foreach (var s in saved) s.Dispose();
            return;
        }
        Tape.Record(op, loss, [pred], (dy, grad) =>
        {
            if (grad(pred) is { } dx) backward(dy, dx);
            foreach (var s in saved) s.Dispose();
        });
    }
}
