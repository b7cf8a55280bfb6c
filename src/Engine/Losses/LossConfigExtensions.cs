
namespace Engine.Losses;

internal static class LossConfigExtensions
{
    public static bool Bool(this JsonObject? c, string key) => c?[key]?.GetValue<bool>() ?? false;

    public static double Num(this JsonObject? c, string key, double fallback = 0) => c?[key]?.GetValue<double>() ?? fallback;

    public static double[]? Doubles(this JsonObject? c, string key) => c?[key] is JsonArray a ? a.Select(v => v!.GetValue<double>()).ToArray() : null;
}
