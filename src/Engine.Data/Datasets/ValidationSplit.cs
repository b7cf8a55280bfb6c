namespace Engine.Data;

/// <summary>Keras's validation_split + subset: the samples are shuffled once with the seed, the last
/// floor(split * N) form the validation subset and the rest the training subset, so two calls with
/// the same seed (one per subset) never overlap.</summary>
internal static class ValidationSplit
{
    public static void Check(double validationSplit, Subset? subset, bool shuffle, int? seed)
    {
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentException($"validationSplit must be between 0 and 1 (0 for none); received {validationSplit}.", nameof(validationSplit));
        if (subset is not null && validationSplit == 0)
            throw new ArgumentException($"subset: {subset} needs a validationSplit between 0 and 1; received none.", nameof(subset));
        if (subset is null && validationSplit > 0)
            throw new ArgumentException($"validationSplit {validationSplit} needs subset: Subset.Training or Subset.Validation (make one dataset for each, with the same seed).", nameof(subset));
        if (validationSplit > 0 && shuffle && seed is null)
            throw new ArgumentException("If using validationSplit and shuffling the data, you must provide a seed, to make sure that there is no overlap between the training and validation subsets.", nameof(seed));
    }

    /// <summary>The sample indices (into 0..count-1) of the chosen subset, in split order.</summary>
    public static int[] Select(int count, double validationSplit, Subset? subset, bool shuffle, ulong seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        if (shuffle) new Engine.Tensors.Rng(seed).Shuffle(order.AsSpan());
        if (subset is null) return order;
        var validation = (int)(validationSplit * count);
        return subset == Subset.Validation ? order[(count - validation)..] : order[..(count - validation)];
    }
}
