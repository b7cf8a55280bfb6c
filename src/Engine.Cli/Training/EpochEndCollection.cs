using Engine.Callbacks;

namespace Engine.Cli.Training;

/// <summary>Collects the youngest GC generation after each epoch. A warm training step allocates
/// only a few KB, so the runtime's gen0 budget (tens of MB on a large-cache CPU) would otherwise be
/// walked through fresh pages for dozens of epochs, and the CLI's resident memory would climb by that
/// much before the first collection. One gen0 collection an epoch keeps the garbage on pages already
/// touched; it costs well under a millisecond. The CLI owns its process; the library never does this.</summary>
internal sealed class EpochEndCollection : Callback
{
    public override void OnEpochEnd(int epoch, Dictionary<string, double> logs) => GC.Collect(0, GCCollectionMode.Forced, blocking: true);
}
