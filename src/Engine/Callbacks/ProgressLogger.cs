using System.Diagnostics;
using System.Globalization;

namespace Engine.Callbacks;

/// <summary>Keras's progress display. verbose 1: "Epoch 3/10" then a bar,
/// "32/32 [==============================] - 2s 61ms/step - loss: 0.4312 - accuracy: 0.8750";
/// on an interactive console the bar also updates during the epoch (at most every half second,
/// since reading the running loss waits for the device). verbose 2: one line per epoch,
/// "32/32 - 2s - 61ms/step - loss: 0.4312 - accuracy: 0.8750".</summary>
internal sealed class ProgressLogger(TextWriter output, int verbose) : Callback
{
    private const int BarWidth = 30;
    private readonly Stopwatch _epochClock = new();
    private readonly bool _dynamic = verbose == 1 && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private TimeSpan _lastUpdate;
    private int _seen;

    public override void OnEpochBegin(int epoch)
    {
        output.WriteLine($"Epoch {epoch + 1}/{Params?.Epochs}");
        output.Flush();
        _epochClock.Restart();
        _lastUpdate = TimeSpan.Zero;
        _seen = 0;
    }

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        _seen = batch + 1;
        if (!_dynamic || _epochClock.Elapsed - _lastUpdate < TimeSpan.FromSeconds(0.5)) return;
        _lastUpdate = _epochClock.Elapsed;
        var steps = Params?.Steps ?? _seen;
        var eta = _epochClock.Elapsed.TotalSeconds / _seen * Math.Max(0, steps - _seen);
        output.Write(FormattableString.Invariant($"\r{Counter(_seen, steps)} {Bar(_seen, steps)} - ETA: {eta:0}s{Values(logs)}"));
        output.Flush();
    }

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        var elapsed = _epochClock.Elapsed.TotalSeconds;
        var steps = Math.Max(1, _seen);
        var perStep = PerStep(elapsed / steps);
        var line = verbose == 1
            ? FormattableString.Invariant($"{Counter(_seen, Params?.Steps ?? _seen)} {Bar(1, 1)} - {elapsed:0}s {perStep}{Values(logs)}")
            : FormattableString.Invariant($"{Counter(_seen, Params?.Steps ?? _seen)} - {elapsed:0}s - {perStep}{Values(logs)}");
        output.WriteLine((_dynamic ? "\r" : "") + line);
        output.Flush();
    }

    private static string Counter(int seen, int steps)
    {
        var width = steps.ToString(CultureInfo.InvariantCulture).Length;
        return $"{seen.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{steps}";
    }

    internal static string Bar(int seen, int steps)
    {
        var filled = steps == 0 ? BarWidth : (int)((long)BarWidth * seen / steps);
        var head = filled == 0 ? "" : new string('=', filled - 1) + (seen < steps ? ">" : "=");
        return "[" + head + new string('.', BarWidth - filled) + "]";
    }

    /// <summary>Keras's unit choice: "2s/step", "61ms/step", "850us/step".</summary>
    internal static string PerStep(double seconds) =>
        seconds >= 1 ? FormattableString.Invariant($"{seconds:0}s/step")
        : seconds >= 1e-3 ? FormattableString.Invariant($"{seconds * 1e3:0}ms/step")
        : FormattableString.Invariant($"{seconds * 1e6:0}us/step");

    /// <summary>" - loss: 0.4312 - accuracy: 0.8750" (4 decimals, or scientific below 1e-3).</summary>
    internal static string Values(IEnumerable<KeyValuePair<string, double>> logs) =>
        string.Concat(logs.Select(kv => $" - {kv.Key}: {Format(kv.Value)}"));

    internal static string Format(double v) =>
        Math.Abs(v) > 1e-3 || v == 0 || double.IsNaN(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : v.ToString("0.0000e+00", CultureInfo.InvariantCulture);
}
