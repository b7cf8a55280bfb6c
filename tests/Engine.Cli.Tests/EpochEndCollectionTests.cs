using Engine.Cli.Training;

namespace Engine.Cli.Tests;

/// <summary>The CLI's epoch-end gen0 collection (what keeps `engine train`'s resident memory flat in
/// the soak, benchmarks/soak): each epoch end runs one collection, and the train command installs it.</summary>
public class EpochEndCollectionTests
{
    [Fact]
    public void EachEpochEndCollectsGenerationZero()
    {
        var callback = new EpochEndCollection();
        var before = GC.CollectionCount(0);
        for (var epoch = 0; epoch < 3; epoch++) callback.OnEpochEnd(epoch, []);
        // Other tests' collections can only add to the count, never hide one of these three.
        Assert.True(GC.CollectionCount(0) - before >= 3, $"gen0 collections during 3 epoch ends: {GC.CollectionCount(0) - before}");
    }

    [Fact]
    public void TheCliRunsWithoutTieredCompilation()
    {
        // Tiered compilation recompiles once-an-epoch code around epochs 30 and 60 (its 30-call
        // threshold), and the JIT's working memory showed up as a 5 MiB step in the soak's RSS.
        var config = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Engine.Cli.runtimeconfig.json"));
        Assert.Contains("\"System.Runtime.TieredCompilation\": false", config);
    }
}
