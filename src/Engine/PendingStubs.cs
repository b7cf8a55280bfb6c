// TEMPORARY (branch `model` only): stand-ins for APIs that the conv, losses and optim branches are
// writing in parallel, with the signatures agreed in the task briefs. Deleted piece by piece as those
// branches are merged; never merged into main.
using Engine.Tensors;

namespace Engine.Autograd
{
    public enum Padding { Valid, Same }

    public static partial class Ops
    {
        public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b = null, int stride = 1, Padding padding = Padding.Valid) => Conv2D(x, w, b, stride, stride, padding);
        public static Tensor Conv2D(Tensor x, Tensor w, Tensor? b, int strideH, int strideW, Padding padding) => throw new NotImplementedException("conv pending");
        public static Tensor MaxPool2D(Tensor x, int poolSize = 2, int? stride = null, Padding padding = Padding.Valid) => throw new NotImplementedException("conv pending");
        public static Tensor MaxPool2D(Tensor x, int poolH, int poolW, int strideH, int strideW, Padding padding) => throw new NotImplementedException("conv pending");
        public static Tensor AvgPool2D(Tensor x, int poolSize = 2, int? stride = null, Padding padding = Padding.Valid) => throw new NotImplementedException("conv pending");
        public static Tensor AvgPool2D(Tensor x, int poolH, int poolW, int strideH, int strideW, Padding padding) => throw new NotImplementedException("conv pending");
        public static Tensor GlobalAvgPool2D(Tensor x) => Mean(x, [2, 3]);
        public static Tensor Dropout(Tensor x, double rate, bool training, ulong seed) => training && rate > 0 ? throw new NotImplementedException("conv pending") : x;
        public static Tensor BatchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, bool training, double momentum = 0.99, double epsilon = 1e-3) => throw new NotImplementedException("conv pending");

        public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor target, double labelSmoothing = 0) => Neg(Sum(Mul(LogSoftmax(logits), target), 1));
        public static Tensor SparseSoftmaxCrossEntropy(Tensor logits, Tensor labels) => SoftmaxCrossEntropy(logits, OneHotStub(labels, logits.Shape[1], logits.DType));
        public static Tensor CategoricalCrossEntropy(Tensor probs, Tensor target, double labelSmoothing = 0, double epsilon = 1e-7) => Neg(Sum(Mul(Log(probs), target), 1));
        public static Tensor BinaryCrossEntropy(Tensor probs, Tensor target, double epsilon = 1e-7) => Mean(BinaryCrossEntropyElementwise(probs, target, epsilon), 1);
        public static Tensor BinaryCrossEntropyElementwise(Tensor probs, Tensor target, double epsilon = 1e-7) =>
            Neg(Add(Mul(target, Log(probs)), Mul(RSubScalar(1, target), Log(RSubScalar(1, probs)))));
        public static Tensor SigmoidBinaryCrossEntropy(Tensor logits, Tensor target, Tensor? posWeight = null) => Mean(SigmoidBinaryCrossEntropyElementwise(logits, target, posWeight), 1);
        public static Tensor SigmoidBinaryCrossEntropyElementwise(Tensor logits, Tensor target, Tensor? posWeight = null) => BinaryCrossEntropyElementwise(Sigmoid(logits), target);
        public static Tensor WeightedMean(Tensor perSample, Tensor? sampleWeight = null) => sampleWeight is null ? Mean(perSample) : Mean(Mul(perSample, sampleWeight));

        private static Tensor OneHotStub(Tensor labels, int classes, DType dtype)
        {
            var l = labels.ToArray<int>();
            var d = new double[l.Length * classes];
            for (var i = 0; i < l.Length; i++) d[i * classes + l[i]] = 1;
            var t = Tensor.FromArray(d, new Shape(l.Length, classes));
            return dtype == DType.Float64 ? t : t.To(dtype);
        }
    }
}

namespace Engine.Optimizers
{
    public abstract partial class Optimizer
    {
        public abstract void Step(IReadOnlyList<Tensor> parameters);

        public static void ZeroGrad(IEnumerable<Tensor> parameters)
        {
            foreach (var p in parameters) p.ZeroGrad();
        }

        public static Optimizer FromName(string name, double? learningRate = null) => name.ToLowerInvariant() switch
        {
            "sgd" => new Sgd(learningRate ?? 0.01),
            "adam" => new Sgd(learningRate ?? 0.001),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'."),
        };

        public virtual IReadOnlyDictionary<string, Tensor> GetState(IReadOnlyList<Tensor> parameters) => new Dictionary<string, Tensor>();

        public virtual void SetState(IReadOnlyList<Tensor> parameters, IReadOnlyDictionary<string, Tensor> state) { }

        public virtual IReadOnlyDictionary<string, object> GetConfig() => new Dictionary<string, object> { ["name"] = Name, ["learning_rate"] = LearningRate };
    }

    public sealed class Sgd(double learningRate = 0.01) : Optimizer(learningRate)
    {
        public override string Name => "sgd";

        public override void Step(IReadOnlyList<Tensor> parameters)
        {
            foreach (var p in parameters)
                if (p.Grad is { } g) p.Backend.Axpy(-CurrentLearningRate, g, p, p.Size);
            Iterations++;
        }
    }
}

namespace Engine.Metrics
{
    public abstract partial class Metric
    {
        public static Metric FromName(string name, TargetKind kind) => name switch
        {
            "accuracy" or "acc" => new AccuracyStub(kind),
            _ => throw new ArgumentException($"Unknown metric '{name}'."),
        };
    }

    internal sealed class AccuracyStub(TargetKind kind) : Metric
    {
        private double _correct, _count;

        public override string Name => "accuracy";

        public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
        {
            var p = yPred.ToDoubleArray();
            var t = yTrue.ToDoubleArray();
            var n = yPred.Shape[0];
            var c = yPred.Size / n;
            for (var i = 0; i < n; i++)
            {
                if (kind == TargetKind.Binary)
                {
                    for (var j = 0; j < c; j++) { _correct += ((p[i * c + j] > 0.5) == (t[i * c + j] > 0.5) ? 1.0 : 0) / c; }
                    _count++;
                    continue;
                }
                var best = 0;
                for (var j = 1; j < c; j++) if (p[i * c + j] > p[i * c + best]) best = j;
                var label = kind == TargetKind.SparseCategorical ? (int)t[i] : Array.IndexOf(t, t.Skip(i * c).Take(c).Max(), i * c) - i * c;
                if (best == label) _correct++;
                _count++;
            }
        }

        public override double Result() => _count == 0 ? 0 : _correct / _count;

        public override void Reset() => _correct = _count = 0;
    }
}

namespace Engine.Serialization
{
    public static partial class Safetensors
    {
        public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) => throw new NotImplementedException("optim pending");

        public static (IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Load(string path) => throw new NotImplementedException("optim pending");
    }

    public static class AtomicFile
    {
        public static void Write(string path, Action<Stream> write)
        {
            var tmp = path + ".tmp";
            using (var s = File.Create(tmp)) { write(s); s.Flush(); }
            File.Move(tmp, path, overwrite: true);
        }
    }

    public sealed class CheckpointFormatException(string message, Exception? inner = null) : Exception(message, inner);
}
