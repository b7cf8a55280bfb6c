namespace Engine.Data;

/// <summary>Class weights for imbalanced single-label data, as scikit-learn's
/// <c>compute_class_weight</c> computes them; pass them to Fit (or set a dataset's ClassWeight) so
/// rare classes count as much as common ones.</summary>
public static class ClassWeights
{
    /// <summary>scikit-learn's <c>compute_class_weight(classWeight, classes=classes, y=labels)</c>.
    /// "balanced": n_samples / (n_classes * count(c)) for each class c; null: all ones. The result is
    /// aligned with <paramref name="classes"/> (default: the distinct labels, ascending), so for
    /// labels 0..K-1 that all occur, weight[c] belongs to class c.</summary>
    public static double[] ComputeClassWeight(string? classWeight, IReadOnlyList<int> labels, IReadOnlyList<int>? classes = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var cls = (classes ?? labels.Distinct().Order().ToArray()).ToArray();
        if (cls.Distinct().Count() != cls.Length)
            throw new ArgumentException($"classes must be distinct; received [{string.Join(", ", cls)}].", nameof(classes));
        if (classWeight is null)
            return Enumerable.Repeat(1.0, cls.Length).ToArray();
        if (classWeight != "balanced")
            throw new ArgumentException($"classWeight must be \"balanced\" or null; received \"{classWeight}\".", nameof(classWeight));

        var position = new Dictionary<int, int>();
        for (var i = 0; i < cls.Length; i++) position[cls[i]] = i;
        var counts = new long[cls.Length];
        foreach (var y in labels)
        {
            if (!position.TryGetValue(y, out var p))
                throw new ArgumentException($"classes should include all valid labels that can be in y; label {y} is not in [{string.Join(", ", cls)}].", nameof(classes));
            counts[p]++;
        }
        var missing = cls.Where((_, i) => counts[i] == 0).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"classes should have valid labels that are in y; class(es) {string.Join(", ", missing)} never occur, so a balanced weight is undefined.", nameof(classes));
        var n = (double)labels.Count;
        return counts.Select(c => n / (cls.Length * c)).ToArray();
    }

    /// <summary>scikit-learn's <c>compute_sample_weight("balanced", y)</c>: each sample gets its class's
    /// balanced weight.</summary>
    public static float[] ComputeSampleWeight(string? classWeight, IReadOnlyList<int> labels)
    {
        var classes = labels.Distinct().Order().ToArray();
        var weights = ComputeClassWeight(classWeight, labels, classes);
        var byClass = new Dictionary<int, float>();
        for (var i = 0; i < classes.Length; i++) byClass[classes[i]] = (float)weights[i];
        return labels.Select(y => byClass[y]).ToArray();
    }

    /// <summary>Balanced weights indexed by class 0..numClasses-1, as a dataset's ClassWeight wants;
    /// a class that never occurs gets weight 0 (it contributes nothing either way).</summary>
    public static float[] Balanced(IReadOnlyList<int> labels, int numClasses)
    {
        var counts = new long[numClasses];
        foreach (var y in labels)
        {
            if ((uint)y >= (uint)numClasses)
                throw new ArgumentException($"label {y} is outside [0, {numClasses}).", nameof(labels));
            counts[y]++;
        }
        var present = counts.Count(c => c > 0);
        return counts.Select(c => c == 0 ? 0f : (float)(labels.Count / ((double)present * c))).ToArray();
    }
}
