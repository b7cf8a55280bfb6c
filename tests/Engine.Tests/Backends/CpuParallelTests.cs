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
        const int calls = 200, rounds = 3;
        var allocated = new long[rounds];
        for (var r = 0; r < rounds; r++)
            for (var i = 0; i < calls; i++)
            {
                // The helper of the previous call leaves when it gets to it; only then is its loop
                // object free again.
                Assert.True(SpinWait.SpinUntil(() => CpuParallel.FreeLoops > 0, TimeSpan.FromSeconds(10)), "no loop object came back");
                var before = GC.GetAllocatedBytesForCurrentThread();
                CpuParallel.For(Sink.Length, body);
                allocated[r] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        // 0 per round normally. Once per thread, the first time this thread blocks waiting for a
        // helper, the runtime makes its wait structures (~8 KB, seen in about 1 run in 6: xunit runs
        // each test on whichever thread is free). Parallel.For: ~1,700 bytes every call, 340 KB per round.
        Assert.Contains(0L, allocated);
        Assert.True(allocated.Sum() < 16384, $"{string.Join(", ", allocated)} bytes per round of {calls} calls");
    }

    private readonly record struct Rows(long[] Target, int Add);

    [Fact]
    public void TheStateOverloadAllocatesNothingOnAnyThread()
    {
        var target = new long[64];
        var state = new Rows(target, 3);
        for (var i = 0; i < 100; i++) CpuParallel.For(target.Length, state, static (s, i) => s.Target[i] += s.Add);
        const int calls = 200, rounds = 3;
        var callerBytes = new long[rounds];
        var helperBytes = new long[rounds];
        for (var r = 0; r < rounds; r++)
        {
            var helpers = CpuParallel.HelperAllocatedBytes;
            for (var i = 0; i < calls; i++)
            {
                Assert.True(SpinWait.SpinUntil(() => CpuParallel.FreeLoopsOf<Rows>() > 0, TimeSpan.FromSeconds(10)), "no loop object came back");
                var before = GC.GetAllocatedBytesForCurrentThread();
                CpuParallel.For(target.Length, state, static (s, i) => s.Target[i] += s.Add);
                callerBytes[r] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
            helperBytes[r] = CpuParallel.HelperAllocatedBytes - helpers;
        }
        Assert.All(target, v => Assert.Equal(3L * (100 + rounds * calls), v)); // every index ran once per call
        // No closure and no delegate per call (a static lambda is cached) and a reused loop object:
        // a round of 200 calls allocates exactly 0 bytes on this thread and on the helpers (each pool
        // thread reads its own counter around its share of a loop). The first rounds may still see a
        // one-time lazy allocation (a loop's wait handle the first time it blocks, a pool queue
        // segment), a few dozen bytes; a closure per call would be ~20 KB per round.
        Assert.Contains(0L, callerBytes);
        Assert.Contains(0L, helperBytes);
        Assert.True(callerBytes.Sum() + helperBytes.Sum() < 1024, $"caller {string.Join(", ", callerBytes)}; helpers {string.Join(", ", helperBytes)} bytes per round");
    }

    [Fact]
    public void HelperAllocationsAreCounted()
    {
        // Negative control for the counter above: bodies that allocate on the helpers show up in it.
        var helpers = CpuParallel.HelperAllocatedBytes;
        var sink = new object[1024];
        for (var round = 0; round < 50; round++)
            CpuParallel.For(sink.Length, sink, static (s, i) =>
            {
                Thread.SpinWait(2000); // long enough that a helper wakes up and claims a share
                s[i] = new byte[100];
            });
        if (CpuParallel.Threads < 2) Assert.Skip("one processor: the loop has no helper threads to count");
        Assert.True(CpuParallel.HelperAllocatedBytes - helpers > 0, "the bodies allocated 50 × ~130 KB, yet the helpers' counter did not move");
    }
}
