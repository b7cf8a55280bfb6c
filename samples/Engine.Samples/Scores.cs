using Engine.Tensors;

namespace Engine.Samples;

/// <summary>The numbers the samples print, computed from predictions on the host so each one is
/// plain to read (the compiled metrics compute the same during Fit).</summary>
public static class Scores
{
    /// <summary>Index of the largest value in each row of a [N, K] tensor.</summary>
    public static int[] Argmax(Tensor probabilities)
    {
        var p = probabilities.ToFloatArray();
        var k = probabilities.Shape[1];
        var n = p.Length / k;
        var result = new int[n];
        for (var i = 0; i < n; i++)
            for (var j = 1; j < k; j++)
                if (p[i * k + j] > p[i * k + result[i]]) result[i] = j;
        return result;
    }

    public static double Accuracy(int[] predicted, int[] truth) =>
        (double)predicted.Where((p, i) => p == truth[i]).Count() / truth.Length;

    /// <summary>Recall of each class: the share of its samples predicted as it.</summary>
    public static double[] RecallPerClass(int[] predicted, int[] truth, int classes) =>
        Enumerable.Range(0, classes).Select(c =>
        {
            var total = truth.Count(t => t == c);
            return total == 0 ? 0 : (double)predicted.Where((p, i) => truth[i] == c && p == c).Count() / total;
        }).ToArray();

    /// <summary>F1 averaged over classes (each class counts the same however rare).</summary>
    public static double MacroF1(int[] predicted, int[] truth, int classes) =>
        Enumerable.Range(0, classes).Average(c =>
        {
            var tp = predicted.Where((p, i) => p == c && truth[i] == c).Count();
            var fp = predicted.Where((p, i) => p == c && truth[i] != c).Count();
            var fn = predicted.Where((p, i) => p != c && truth[i] == c).Count();
            return tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        });

    /// <summary>Micro recall, precision and F1 of multi-hot targets with predictions thresholded at 0.5.</summary>
    public static (double Recall, double Precision, double F1, int Predicted) MultiLabel(Tensor probabilities, Tensor multiHot)
    {
        var p = probabilities.ToFloatArray();
        var t = multiHot.ToFloatArray();
        int tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var yes = p[i] >= 0.5f;
            if (yes && t[i] == 1) tp++;
            else if (yes) fp++;
            else if (t[i] == 1) fn++;
        }
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var f1 = tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        return (recall, precision, f1, tp + fp);
    }
}
