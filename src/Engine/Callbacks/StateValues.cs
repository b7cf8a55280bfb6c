using System.Text.Json.Nodes;

namespace Engine.Callbacks;

/// <summary>Reads callback state written by GetState (infinities are stored as strings, since JSON
/// has no literal for them).</summary>
internal static class StateValues
{
    public static JsonNode Number(double v) =>
        double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");

    public static double Double(CallbackState state, string key) => state.Values[key] switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.NaN,
        },
        _ => throw new FormatException($"Callback state has no number '{key}'."),
    };

    public static int Int(CallbackState state, string key) =>
        state.Values[key]?.GetValue<int>() ?? throw new FormatException($"Callback state has no integer '{key}'.");
}
