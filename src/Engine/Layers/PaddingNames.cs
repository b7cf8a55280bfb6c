namespace Engine.Layers;

/// <summary>Keras's padding strings ("valid", "same") and the output-size rule for each.</summary>
internal static class PaddingNames
{
    public static Padding Parse(string padding, string layer) => padding.Trim().ToLowerInvariant() switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        _ => throw new ArgumentException($"{layer}: invalid padding '{padding}'; expected 'valid' or 'same'.", nameof(padding)),
    };

    public static string Name(Padding padding) => padding == Padding.Same ? "same" : "valid";

    /// <summary>Output length of a window of <paramref name="k"/> sliding with stride s over n:
    /// valid: floor((n - k) / s) + 1 (0 when k &gt; n); same: ceil(n / s).</summary>
    public static int OutputLength(int n, int k, int s, Padding padding) =>
        padding == Padding.Same ? (n + s - 1) / s : n < k ? 0 : (n - k) / s + 1;
}
