using Engine.Backends.Cpu;

namespace Engine.Tests.Backends;

/// <summary>The kernels' parallel loop: every index exactly once, errors surface, and a call
/// allocates (nearly) nothing — the reason it replaced Parallel.For.</summary>
[Collection(AllocationCollection.Name)]
public class CpuParallelTests
{
    [Fact]
    public void RunsEveryIndexExactlyOnceAlsoFromConcurrentCallers()
    {
        int[] counts = [0, 1, 2, 3, 7, 64, 1000, 4097];
        var failures = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, caller =>
        {
            for (var round = 0; round < 50; round++)
                foreach (var count in counts)
                {
                    var hits = new int[count];
                    CpuParallel.For(count, i => Interlocked.Increment(ref hits[i]));
                    if (hits.Any(h => h != 1)) Interlocked.Increment(ref failures);
                }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void RethrowsTheBodysExceptionAfterTheOtherIndicesRan()
    {
        var ran = new int[100];
        var e = Assert.Throws<InvalidOperationException>(() => CpuParallel.For(100, i =>
        {
            Interlocked.Increment(ref ran[i]);
            if (i == 37) throw new InvalidOperationException("index 37");
        }));
        Assert.Equal("index 37", e.Message);
        Assert.All(ran, r => Assert.Equal(1, r));
        // The loop object went back to the free list in a usable state.
        var sum = 0;
        CpuParallel.For(10, i => Interlocked.Add(ref sum, i));
        Assert.Equal(45, sum);
    }

    private static readonly long[] Sink = new long[64];

    [Fact]
    public void ACallAllocatesNothingWhenALoopObjectIsFree()
    {
        Action<int> body = static i => Interlocked.Increment(ref Sink[i]); // made once, like a cached kernel delegate
        for (var i = 0; i < 100; i++) CpuParallel.For(Sink.Length, body);
        const int calls = 200;
        long allocated = 0;
        for (var i = 0; i < calls; i++)
        {
            // The helpers of the previous call leave when the thread pool gets to them (other tests
            // keep it busy); only then is their loop object free again.
            Assert.True(SpinWait.SpinUntil(() => CpuParallel.FreeLoops > 0, TimeSpan.FromSeconds(10)), "no loop object came back");
            var before = GC.GetAllocatedBytesForCurrentThread();
            CpuParallel.For(Sink.Length, body);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        // 0 normally. A few hundred bytes each time a concurrent test took the free loop object just
        // before this call, or a loop blocks for the first time (its wait handle). Parallel.For:
        // ~1,700 bytes every call, 340 KB for these 200.
        Assert.True(allocated < 4096, $"{allocated:N0} bytes in {calls} calls");
    }
}
