// TEMPORARY (branch `model` only): stand-in for Metric.FromName until the metrics of the optim
// branch land. Deleted when they are merged; never merged into main.
using Engine.Tensors;

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

