using Engine.Tensors;

namespace Engine.Autograd;

/// <summary>One element where the analytic and numeric gradients disagree.</summary>
public readonly record struct GradMismatch(int Input, int[] Index, double Analytic, double Numeric);

/// <summary>What a gradient check found: the largest error and the first mismatches.</summary>
public sealed record GradCheckResult(string Name, int Checked, double MaxAbsError, IReadOnlyList<GradMismatch> Mismatches)
{
    public bool Passed => Mismatches.Count == 0;

    public override string ToString()
    {
        if (Passed) return $"{Name}: {Checked} partial derivatives agree (max |error| {MaxAbsError:G3}).";
        var first = string.Join("; ", Mismatches.Take(5).Select(m =>
            $"input {m.Input} at [{string.Join(", ", m.Index)}]: analytic={m.Analytic:G6} numeric={m.Numeric:G6}"));
        return $"{Name}: {Mismatches.Count} of {Checked} partial derivatives differ; first: {first}";
    }
}

/// <summary>Checks a differentiable function's backward against central differences in float64.
/// The output is projected onto fixed random weights r (L = Σ y·r), so every output element takes
/// part; each input that RequiresGrad is perturbed element by element.</summary>
public static class GradCheck
{
    public const double DefaultEps = 1e-6, DefaultAtol = 1e-5, DefaultRtol = 1e-3;

    public static GradCheckResult Check(string name, Func<Tensor[], Tensor> f, Tensor[] inputs,
        double eps = DefaultEps, double atol = DefaultAtol, double rtol = DefaultRtol, ulong seed = 1234)
    {
        var wrt = new List<int>();
        for (var i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad) continue;
            if (inputs[i].DType != DType.Float64 || inputs[i].Device.IsCuda)
                throw new ArgumentException($"GradCheck '{name}': input {i} must be a float64 CPU tensor; got {inputs[i].DType.Name()} on {inputs[i].Device}.");
            wrt.Add(i);
        }
        if (wrt.Count == 0) throw new ArgumentException($"GradCheck '{name}': no input has RequiresGrad = true, so nothing would be checked.");

        // Analytic: backward of L = Σ y·r.
        foreach (var i in wrt) inputs[i].ZeroGrad();
        var y0 = f(inputs);
        var r = Tensor.RandomNormal(y0.Shape, new Rng(seed), dtype: DType.Float64);
        var loss = Ops.Sum(Ops.Mul(y0, r));
        loss.Backward();
        var analytic = wrt.ToDictionary(i => i, i => inputs[i].Grad?.ToArray<double>() ?? new double[inputs[i].Size]);
        var weights = r.ToArray<double>();

        var mismatches = new List<GradMismatch>();
        var maxErr = 0.0;
        var count = 0;
        using (Tape.NoGrad())
        {
            foreach (var i in wrt)
            {
                var data = inputs[i].Span<double>();
                for (var e = 0; e < data.Length; e++)
                {
                    var orig = data[e];
                    data[e] = orig + eps;
                    var plus = Project(f(inputs), weights);
                    data[e] = orig - eps;
                    var minus = Project(f(inputs), weights);
                    data[e] = orig;
                    var numeric = (plus - minus) / (2 * eps);
                    var a = analytic[i][e];
                    var err = Math.Abs(a - numeric);
                    maxErr = Math.Max(maxErr, err);
                    count++;
                    if (!(err <= atol + rtol * Math.Abs(numeric)))
                        mismatches.Add(new GradMismatch(i, Unflatten(e, inputs[i].Shape), a, numeric));
                }
            }
        }
        foreach (var i in wrt) inputs[i].ZeroGrad();
        return new GradCheckResult(name, count, maxErr, mismatches);
    }

    /// <summary>Runs <see cref="Check"/> and throws with the first mismatches when it fails.</summary>
    public static GradCheckResult Assert(string name, Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var result = Check(name, f, inputs);
        if (!result.Passed) throw new GradCheckException(result);
        return result;
    }

    private static double Project(Tensor y, double[] weights)
    {
        var v = y.ToArray<double>();
        var sum = 0.0;
        for (var i = 0; i < v.Length; i++) sum += v[i] * weights[i];
        return sum;
    }

    private static int[] Unflatten(int flat, Shape shape)
    {
        var index = new int[shape.Rank];
        for (var a = shape.Rank - 1; a >= 0; a--)
        {
            index[a] = shape[a] == 0 ? 0 : flat % shape[a];
            flat = shape[a] == 0 ? 0 : flat / shape[a];
        }
        return index;
    }
}

public sealed class GradCheckException(GradCheckResult result) : Exception(result.ToString())
{
    public GradCheckResult Result { get; } = result;
}
