using System.Globalization;

namespace Engine.Metrics;

public abstract partial class Metric
{
    private static readonly string[] Names =
        ["accuracy", "acc", "top_k_accuracy", "top<k> (e.g. top5)", "precision", "precision_macro", "recall", "recall_macro",
         "f1", "f1_macro", "auc", "auc_micro", "confusion_matrix"];

    /// <summary>A metric by its Keras-style name (case-insensitive), interpreted for the given kind of
    /// target; the metric is named by the string given (so History keys read as in Keras):
    /// "accuracy"/"acc"; "top_k_accuracy" (k = 5) or "topN" (k = N); "precision", "recall", "f1"
    /// (micro) and their "_macro" variants; "auc" (macro over labels) and "auc_micro";
    /// "confusion_matrix".</summary>
    public static Metric FromName(string name, TargetKind kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        switch (key)
        {
            case "accuracy" or "acc": return new Accuracy(kind, name: key);
            case "top_k_accuracy": return new TopKAccuracy(5, kind, key);
            case "precision": return new Precision(kind, Averaging.Micro, name: key);
            case "precision_macro": return new Precision(kind, Averaging.Macro, name: key);
            case "recall": return new Recall(kind, Averaging.Micro, name: key);
            case "recall_macro": return new Recall(kind, Averaging.Macro, name: key);
            case "f1": return new F1(kind, Averaging.Micro, name: key);
            case "f1_macro": return new F1(kind, Averaging.Macro, name: key);
            case "auc": return new Auc(kind, average: Averaging.Macro, name: key);
            case "auc_micro": return new Auc(kind, average: Averaging.Micro, name: key);
            case "confusion_matrix": return new ConfusionMatrix(kind, name: key);
        }
        if (key.StartsWith("top", StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k >= 1)
            return new TopKAccuracy(k, kind, key);
        throw new ArgumentException($"Unknown metric '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name));
    }
}
