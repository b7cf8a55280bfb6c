using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Batch normalization over channel axis 1 of x [N, C] or NCHW [N, C, H, W], with
    /// gamma, beta, runningMean and runningVar of shape [C] (Keras's BatchNormalization).
    /// Training: normalizes with the batch mean and biased batch variance and updates the running
    /// statistics in place, running = running·momentum + batch·(1 - momentum).
    /// Inference: normalizes with the running statistics, which are left unchanged.
    /// Both modes are differentiable with respect to x, gamma and beta (never the running statistics).</summary>
    public static Tensor BatchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        bool training, double momentum = 0.99, double epsilon = 1e-3)
    {
        const string op = "batch_normalization";
        var (n, c, hw) = RequireBatchNormArguments(op, x, gamma, beta, runningMean, runningVar, training, momentum, epsilon);
        return training
            ? BatchNormTraining(op, x, gamma, beta, runningMean, runningVar, n, c, hw, momentum, epsilon, relu: false)
            : BatchNormInference(op, x, gamma, beta, runningMean, runningVar, n, c, hw, epsilon);
    }

    /// <summary>relu(BatchNorm(x, ...)) as one op (the residual nets' BN → ReLU pair): the forward writes
    /// its output once, and the backward recomputes the ReLU mask from x, so neither the batch norm's output
    /// nor its gradient is ever stored. Training needs the same arguments as <see cref="BatchNorm"/> and
    /// agrees with the composite within float rounding (scale and shift are derived from the saved, rounded
    /// statistics). In inference mode with the tape recording it is the composite itself.</summary>
    public static Tensor BatchNormRelu(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        bool training, double momentum = 0.99, double epsilon = 1e-3)
    {
        const string op = "batch_normalization_relu";
        var (n, c, hw) = RequireBatchNormArguments(op, x, gamma, beta, runningMean, runningVar, training, momentum, epsilon);
        if (training) return BatchNormTraining(op, x, gamma, beta, runningMean, runningVar, n, c, hw, momentum, epsilon, relu: true);
        if (Tape.WillRecord(x, gamma, beta))
            return Relu(BatchNorm(x, gamma, beta, runningMean, runningVar, training: false, momentum, epsilon));
        var y = Tensor.EmptyLike(x);
        x.Backend.BatchNormReluForwardInference(x, gamma, beta, runningMean, runningVar, y, n, c, hw, epsilon);
        return y;
    }

    /// <summary>The checks both batch-norm ops make; returns (N, C, H·W).</summary>
    private static (int N, int C, int Hw) RequireBatchNormArguments(string op, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        bool training, double momentum, double epsilon)
    {
        RequireFloat(op, x);
        if (x.Rank != 2 && x.Rank != 4)
            throw new ArgumentException($"{op} expects a rank-2 input (N, C) or a rank-4 input (N, C, H, W); received shape {x.Shape}.");
        var (n, c, hw) = (x.Shape[0], x.Shape[1], x.Shape.Product(2, x.Rank));
        RequireChannelVector(op, x, gamma, "gamma", c);
        RequireChannelVector(op, x, beta, "beta", c);
        RequireChannelVector(op, x, runningMean, "moving_mean", c);
        RequireChannelVector(op, x, runningVar, "moving_variance", c);
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{op}: momentum must be in [0, 1]; received {momentum}.");
        if (!(epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{op}: epsilon must be positive; received {epsilon}.");
        if (training && n * hw == 0)
            throw new ArgumentException($"{op}: training mode needs at least one value per channel to compute batch statistics; received shape {x.Shape}.");
        return (n, c, hw);
    }

    private static void RequireChannelVector(string op, Tensor x, Tensor t, string name, int c)
    {
        RequireSameKind(op, x, t);
        if (t.Rank != 1 || t.Size != c)
            throw new ArgumentException($"{op}: {name} must have shape ({c},) to match the {c} channels (axis 1) of input {x.Shape}; received {t.Shape}.");
    }

    private static Tensor BatchNormTraining(string op, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        int n, int c, int hw, double momentum, double epsilon, bool relu)
    {
        var y = Tensor.EmptyLike(x);
        var mean = Tensor.Empty(Shape.Of(c), x.DType, x.Device);
        var invStd = Tensor.Empty(Shape.Of(c), x.DType, x.Device);
        if (relu) x.Backend.BatchNormReluForwardTraining(x, gamma, beta, y, mean, invStd, runningMean, runningVar, n, c, hw, momentum, epsilon);
        else x.Backend.BatchNormForwardTraining(x, gamma, beta, y, mean, invStd, runningMean, runningVar, n, c, hw, momentum, epsilon);
        if (!Tape.WillRecord(x, gamma, beta))
        {
            mean.Dispose();
            invStd.Dispose();
            return y;
        }
        Tape.Record(op, y, [x, gamma, beta], new BatchNormSaved(x, gamma, beta, mean, invStd, n, c, hw, relu), static (in s, dy, grad) =>
        {
            var (x, gamma, beta, mean, invStd, n, c, hw, relu) = s;
            // The kernel always writes dx; give it a throw-away buffer when x needs no gradient. The CPU's
            // float32 kernel can overwrite dx when it is its first writer (no zero fill).
            var assign = false;
            var dx = Backends.CpuBackend.HasFloatBatchNorm(x) ? BackwardPass.GradToOverwrite(grad, x, out assign) : grad(x);
            using var scratch = dx is null ? Tensor.ZerosLike(x) : null;
            var (into, dgamma, dbeta) = (dx ?? scratch!, grad(gamma), grad(beta));
            // relu: the mask is recomputed from x with the forward's scale and shift (BatchNormRelu).
            if (Backends.CpuBackend.HasFloatBatchNorm(x))
            {
                if (relu) Backends.CpuBackend.BatchNormReluBackwardFloat(x, dy, gamma, beta, mean, invStd, into, dgamma, dbeta, n, c, hw, assign);
                else Backends.CpuBackend.BatchNormBackwardFloat(x, dy, gamma, mean, invStd, into, dgamma, dbeta, n, c, hw, assign);
            }
            else if (relu) dy.Backend.BatchNormReluBackward(x, dy, gamma, beta, mean, invStd, into, dgamma, dbeta, n, c, hw);
            else dy.Backend.BatchNormBackward(x, dy, gamma, mean, invStd, into, dgamma, dbeta, n, c, hw);
            mean.Dispose();
            invStd.Dispose();
        });
        return y;
    }

    /// <summary>What the training backward needs: the inputs, the batch statistics it saved, the sizes, whether a ReLU is fused.</summary>
    private readonly record struct BatchNormSaved(Tensor X, Tensor Gamma, Tensor Beta, Tensor Mean, Tensor InvStd, int N, int C, int Hw, bool Relu);

    /// <summary>Inference mode is a per-channel affine map y = x·s + t with s = gamma/sqrt(var + eps),
    /// so its backward is built from existing kernels: dx += dy·s (the inference kernel applied to dy
    /// with zero mean and shift), dgamma += Σ dy·x̂ with x̂ from the same kernel, dbeta += Σ dy.</summary>
    private static Tensor BatchNormInference(string op, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        int n, int c, int hw, double epsilon)
    {
        var y = Tensor.EmptyLike(x);
        x.Backend.BatchNormForwardInference(x, gamma, beta, runningMean, runningVar, y, n, c, hw, epsilon);
        if (!Tape.WillRecord(x, gamma, beta)) return y;

        // Snapshot the statistics, so a training step between forward and backward cannot change them.
        var mean = Tensor.EmptyLike(runningMean);
        var variance = Tensor.EmptyLike(runningVar);
        x.Backend.Copy(runningMean, mean, c);
        x.Backend.Copy(runningVar, variance, c);
        Tape.Record(op, y, [x, gamma, beta], new BatchNormInferenceSaved(x, gamma, beta, mean, variance, n, c, hw, epsilon),
            static (in s, dy, grad) => BatchNormInferenceBackward(s, dy, grad));
        return y;
    }

    /// <summary>What the inference-mode backward needs: the inputs, the statistics snapshot, the sizes.</summary>
    private readonly record struct BatchNormInferenceSaved(Tensor X, Tensor Gamma, Tensor Beta, Tensor Mean, Tensor Variance, int N, int C, int Hw, double Epsilon);

    private static void BatchNormInferenceBackward(in BatchNormInferenceSaved s, Tensor dy, GradOf grad)
    {
        var (x, gamma, beta, mean, variance, n, c, hw, epsilon) = s;
        var be = dy.Backend;
        using var zeros = Tensor.Zeros(Shape.Of(c), dy.DType, dy.Device);
        if (grad(x) is { } dx)
        {
            using var scaled = Tensor.EmptyLike(dy);
            be.BatchNormForwardInference(dy, gamma, zeros, zeros, variance, scaled, n, c, hw, epsilon);
            be.Axpy(1, scaled, dx, dx.Size);
        }
        if (grad(gamma) is { } dgamma)
        {
            using var ones = Tensor.Ones(Shape.Of(c), dy.DType, dy.Device);
            using var xhat = Tensor.EmptyLike(x);
            using var product = Tensor.EmptyLike(x);
            be.BatchNormForwardInference(x, ones, zeros, mean, variance, xhat, n, c, hw, epsilon);
            be.MulForward(dy, xhat, product, product.Size);
            be.BiasAddBackward(product, dgamma, n, c, hw);
        }
        if (grad(beta) is { } dbeta) be.BiasAddBackward(dy, dbeta, n, c, hw);
        mean.Dispose();
        variance.Dispose();
    }
}
