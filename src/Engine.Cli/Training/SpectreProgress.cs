using System.Diagnostics;
using System.Globalization;
using Engine.Callbacks;
using Spectre.Console;

namespace Engine.Cli.Training;

/// <summary>Live progress on a terminal: a Spectre progress bar per epoch (it counts steps without
/// reading the loss, so it never waits for the GPU) and a Keras-style line when each epoch ends.</summary>
internal sealed class SpectreProgress(IAnsiConsole console) : Callback
{
    private readonly Stopwatch _clock = new();
    private ProgressContext? _context;
    private ProgressTask? _task;

    /// <summary>Runs <paramref name="fit"/> inside a live progress display.</summary>
    public void Run(Action fit) => console.Progress()
        .AutoClear(true)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
        .Start(ctx =>
        {
            _context = ctx;
            fit();
        });

    public override void OnEpochBegin(int epoch)
    {
        _clock.Restart();
        _task = _context?.AddTask($"Epoch {epoch + 1}/{Params?.Epochs}", maxValue: Math.Max(1, Params?.Steps ?? 1));
    }

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => _task?.Value(batch + 1);

    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs)
    {
        _task?.StopTask();
        var steps = Math.Max(1, Params?.Steps ?? 1);
        var values = string.Concat(logs.Select(kv => FormattableString.Invariant($" - {kv.Key}: {kv.Value:0.0000}")));
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Epoch {epoch + 1}/{Params?.Epochs} - {_clock.Elapsed.TotalSeconds:0}s - {_clock.Elapsed.TotalMilliseconds / steps:0}ms/step{values}")));
    }
}
