using Engine.Backends;
using Engine.Cuda;
using Engine.Tensors;

namespace Engine.Tests.Cuda;

/// <summary>Capture and replay on a stand-in GPU whose memory is real (GEMM, copies and fills run;
/// kernels are only checked): what a capture records, what it refuses, and that the queue works
/// normally again after a failed capture. No GPU or NVRTC needed.</summary>
public class CudaGraphCaptureTests
{
    private readonly CheckingQueue _queue = new();
    private readonly CudaBackend _gpu;

    public CudaGraphCaptureTests() => _gpu = new CudaBackend(_queue);

    private Tensor T(float[] values, params int[] shape) => CudaTestSupport.ToBackend(Tensor.FromArray(values, shape), _gpu);

    private Tensor Empty(params int[] shape) => new(_gpu.Allocate(DType.Float32, new Shape(shape).Size), new Shape(shape));

    /// <summary>c = (a·b) through a temporary, then the temporary is cleared: three operations.</summary>
    private void Step(Tensor a, Tensor b, Tensor c)
    {
        using var t = Empty(2, 2);
        _gpu.Gemm(false, false, 2, 2, 2, 1, a, b, 0, t);
        _gpu.Copy(t, c, 4);
        _gpu.Fill(t, 0, 4);
    }

    [Fact]
    public void ACaptureRecordsWithoutRunningAndEachReplayRunsOnTheBuffersCurrentContents()
    {
        var a = T([1, 2, 3, 4], 2, 2);
        var b = T([5, 6, 7, 8], 2, 2);
        var c = T([-1, -1, -1, -1], 2, 2);
        Step(a, b, c);                                   // warm-up: cuBLAS is created outside the capture
        _gpu.Fill(c, -1, 4);

        using var graph = _gpu.CaptureGraph(() => Step(a, b, c));
        Assert.Equal(3, graph.OperationCount);
        Assert.Equal([-1f, -1, -1, -1], c.ToArray<float>());     // recorded, not run
        Assert.False(_queue.IsCapturing);

        graph.Replay();
        Assert.Equal([19f, 22, 43, 50], c.ToArray<float>());
        a.Storage.CopyFrom<float>([0, 1, 1, 0]);                  // new input in the same buffer
        graph.Replay();
        Assert.Equal([7f, 8, 5, 6], c.ToArray<float>());
        Assert.Equal(2, graph.Replays);
    }

    [Fact]
    public void TheGraphsTemporariesComeFromItsPoolAndGoBackToTheCacheWhenItIsDisposed()
    {
        var a = T([1, 2, 3, 4], 2, 2);
        var c = Empty(2, 2);
        Step(a, a, c);                                           // leaves the 2x2 temporary's block in the cache
        var before = _gpu.MemoryStats;
        var graph = _gpu.CaptureGraph(() => Step(a, a, c));
        Assert.Equal(512, _gpu.MemoryStats.GraphPoolBytes);      // that block, adopted by the graph
        Assert.Equal(before.CachedBlocks - 1, _gpu.MemoryStats.CachedBlocks);
        Assert.Equal(before.DriverAllocations, _gpu.MemoryStats.DriverAllocations);
        using (Empty(2, 2))                                      // eager work meanwhile needs a block of its own
            Assert.Equal(before.DriverAllocations + 1, _gpu.MemoryStats.DriverAllocations);
        graph.Dispose();
        Assert.Equal(0, _gpu.MemoryStats.GraphPoolBytes);
        Assert.Equal(before.CachedBlocks + 1, _gpu.MemoryStats.CachedBlocks);
    }

    public static TheoryData<string> Forbidden() => ["CopyToHost", "CopyToDevice", "Synchronize", "FreeMemory", "EmptyCache"];

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void WhatAGraphCannotHoldThrowsAClearErrorAndTheQueueWorksAfterwards(string operation)
    {
        var x = T([1, 2, 3, 4], 4);
        var y = Empty(4);
        _gpu.Copy(x, y, 4);
        var poolBefore = _gpu.MemoryStats.GraphPoolBytes;
        Action inside = operation switch
        {
            "CopyToHost" => () => x.ToArray<float>(),
            "CopyToDevice" => () => x.Storage.CopyFrom<float>([5, 6, 7, 8]),
            "Synchronize" => _gpu.Synchronize,
            "FreeMemory" => () => _queue.FreeMemory(0x1234),
            _ => () => _gpu.EmptyCache(),
        };
        var e = Assert.Throws<CudaException>(() => _gpu.CaptureGraph(() =>
        {
            using var t = Empty(4);                               // from the graph's pool
            _gpu.Copy(x, t, 4);
            inside();
        }));
        Assert.StartsWith(operation, e.Message);
        Assert.Contains("while a CUDA graph is being captured on cuda:7", e.Message);

        Assert.False(_queue.IsCapturing);
        Assert.Equal(poolBefore, _gpu.MemoryStats.GraphPoolBytes);     // the failed graph's pool was released
        _gpu.Fill(y, 9, 4);                                            // runs at once again
        Assert.Equal([9f, 9, 9, 9], y.ToArray<float>());
        using var graph = _gpu.CaptureGraph(() => _gpu.Copy(x, y, 4)); // and can capture again
        graph.Replay();
        Assert.Equal([1f, 2, 3, 4], y.ToArray<float>());
    }

    [Fact]
    public void KernelsAndCublasMustRunOnceBeforeACapture()
    {
        var a = T([1, 2, 3, 4], 2, 2);
        var c = Empty(2, 2);
        var e = Assert.Throws<CudaException>(() => _gpu.CaptureGraph(() => _gpu.Gemm(false, false, 2, 2, 2, 1, a, a, 0, c)));
        Assert.StartsWith("Creating the cuBLAS handle (the first GEMM)", e.Message);
        _gpu.Gemm(false, false, 2, 2, 2, 1, a, a, 0, c);
        using var graph = _gpu.CaptureGraph(() => _gpu.Gemm(false, false, 2, 2, 2, 1, a, a, 0, c));
        Assert.Equal(1, graph.OperationCount);
    }

    [Fact]
    public void WorkFromAnotherThreadDuringACaptureIsRefused()
    {
        var x = T([1, 2], 2);
        var y = Empty(2);
        Exception? fromOtherThread = null;
        using var graph = _gpu.CaptureGraph(() =>
        {
            var thread = new Thread(() =>
            {
                try { _queue.CopyOnDevice(((CudaStorage)y.Storage).Pointer, ((CudaStorage)x.Storage).Pointer, 8); }
                catch (Exception e) { fromOtherThread = e; }
            });
            thread.Start();
            thread.Join();
        });
        Assert.IsType<CudaException>(fromOtherThread);
        Assert.Contains("is capturing a CUDA graph", fromOtherThread!.Message);
        Assert.Equal(0, graph.OperationCount);
    }

    [Fact]
    public void CapturesDoNotNest()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _gpu.CaptureGraph(() => _gpu.CaptureGraph(() => { })));
        Assert.Contains("already being captured", e.Message);
        Assert.False(_queue.IsCapturing);
        Assert.False(GraphCapture.IsActive);
    }

    private sealed class Counter
    {
        public int Value;
    }

    [Fact]
    public void HostUpdatesOfCapturedWorkHappenOnEachReplayNotDuringTheCapture()
    {
        var counter = new Counter();
        GraphCapture.HostUpdate(counter, static c => c.Value++);  // not capturing: at once
        Assert.Equal(1, counter.Value);
        using var graph = _gpu.CaptureGraph(() =>
        {
            Assert.True(GraphCapture.IsActive);
            GraphCapture.HostUpdate(counter, static c => c.Value += 10);
        });
        Assert.False(GraphCapture.IsActive);
        Assert.Equal(1, counter.Value);
        graph.Replay();
        graph.Replay();
        Assert.Equal(21, counter.Value);
    }

    [Fact]
    public void AGraphWhoseOutsideBufferWasFreedRefusesToReplay()
    {
        var x = T([1, 2, 3], 3);
        var y = Empty(3);
        using var graph = _gpu.CaptureGraph(() => _gpu.Copy(x, y, 3));
        Assert.False(graph.IsStale);
        x.Dispose();
        Assert.True(graph.IsStale);
        var e = Assert.Throws<InvalidOperationException>(graph.Replay);
        Assert.Contains("capture it again", e.Message);
    }

    [Fact]
    public void TemporariesThatOutliveTheCaptureAreCounted()
    {
        var x = T([1, 2], 2);
        Tensor? kept = null;
        using var graph = _gpu.CaptureGraph(() =>
        {
            kept = Empty(2);                                   // lasting state made inside the capture
            _gpu.Copy(x, kept, 2);
            using var temporary = Empty(2);
            _gpu.Copy(x, temporary, 2);
        });
        Assert.Equal(1, graph.LiveTemporaries);
        kept!.Dispose();
        Assert.Equal(0, graph.LiveTemporaries);
    }

    [Fact]
    public void DisposingTheBackendDuringACaptureEndsIt()
    {
        var queue = new CheckingQueue();
        var gpu = new CudaBackend(queue);
        queue.BeginCapture();
        gpu.Dispose();
        Assert.False(queue.IsCapturing);
    }

    [Fact]
    public void TheReplayedGraphRechecksThatItsPointersAreStillAllocated()
    {
        CudaTestSupport.RequireNvrtc();
        var x = T([1, -2, 3], 3);
        var y = Empty(3);
        _gpu.ReluForward(x, y, 3);
        var launches = _queue.Launches.Count;
        using var graph = _gpu.CaptureGraph(() => _gpu.ReluForward(x, y, 3));
        Assert.Equal(launches, _queue.Launches.Count);             // captured, not launched
        graph.Replay();
        Assert.Equal(launches + 1, _queue.Launches.Count);
        Assert.Equal("relu_forward", _queue.Launches[^1].Kernel);
    }

    [Fact]
    public void CudaGraphsVariableParses()
    {
        Assert.False(Engine.Training.CapturedTrainingStep.ParseVariable("0"));
        Assert.False(Engine.Training.CapturedTrainingStep.ParseVariable(" off "));
        Assert.True(Engine.Training.CapturedTrainingStep.ParseVariable("1"));
        Assert.Null(Engine.Training.CapturedTrainingStep.ParseVariable(null));
        Assert.Null(Engine.Training.CapturedTrainingStep.ParseVariable("maybe"));
    }
}
