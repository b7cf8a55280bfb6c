using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Engine.Data;

/// <summary>Runs a batch producer on a background task ahead of the consumer, through a bounded
/// channel: at most <c>prefetch</c> finished batches wait, so loading overlaps training without
/// unbounded memory. Items come out in production order, so the result does not depend on timing.
/// An error in the producer is rethrown to the consumer (with its original stack); a consumer that
/// stops early cancels the producer, and the items it made that nobody took go to <c>discard</c>.</summary>
internal static class BatchPipeline
{
    /// <param name="count">How many items to produce.</param>
    /// <param name="make">Produces item b; null means "nothing for this index" (all samples skipped).</param>
    /// <param name="prefetch">Items produced ahead; 0 runs everything on the consumer's thread.</param>
    /// <param name="discard">Frees an item that was made but never handed to the consumer.</param>
    public static IEnumerable<T> Run<T>(int count, Func<int, T?> make, int prefetch, Action<T>? discard = null) where T : class
    {
        if (prefetch <= 0)
        {
            for (var b = 0; b < count; b++)
                if (make(b) is { } item) yield return item;
            yield break;
        }

        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(prefetch)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Run(async () =>
        {
            try
            {
                for (var b = 0; b < count && !stop.IsCancellationRequested; b++)
                {
                    if (make(b) is not { } item) continue;
                    try
                    {
                        await channel.Writer.WriteAsync(item, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        discard?.Invoke(item);
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped early; nothing to report.
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        });

        try
        {
            while (channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var item))
                    yield return item;
            producer.GetAwaiter().GetResult();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            producer.GetAwaiter().GetResult(); // never throws: failures are captured above
            while (channel.Reader.TryRead(out var left)) discard?.Invoke(left);
        }
    }
}
