using System.Runtime.ExceptionServices;

namespace Engine.Backends.Cpu;

/// <summary>The parallel loop of the CPU kernels. Parallel.For allocates about 2 KB of task
/// objects per call, and a training step makes ~20 such calls (GEMMs, im2col, pooling); this loop
/// reuses its bookkeeping object, so a call allocates nothing beyond the caller's closure (a new
/// object only while a busy thread pool still holds the ones of earlier calls).
///
/// The calling thread works too, and waits only for indices a helper has actually claimed: a helper
/// the thread pool has not started yet (a busy pool) finds nothing left and just leaves, so the
/// loop never waits on the pool and cannot deadlock in it.</summary>
internal static class CpuParallel
{
    /// <summary>Runs body(i) for every i in [0, count), on this thread and up to ProcessorCount - 1
    /// pool threads. The first exception a body throws is rethrown here (after every index ran).</summary>
    public static void For(int count, Action<int> body)
    {
        var helpers = Math.Min(Threads, count) - 1;
        if (helpers <= 0)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        var loop = Loop.Rent();
        loop.Start(body, count, helpers);
        for (var h = 0; h < helpers; h++) ThreadPool.UnsafeQueueUserWorkItem(loop, preferLocal: false);
        loop.Work();
        var error = loop.WaitForAllIndices();
        loop.Leave();
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Threads a loop may use: ProcessorCount, or <see cref="ThreadLimit"/> when set.</summary>
    public static int Threads => ThreadLimit is { } limit and > 0 ? limit : Environment.ProcessorCount;

    /// <summary>Overrides the thread count (tests: results must not depend on it). Null = ProcessorCount.</summary>
    internal static int? ThreadLimit { get; set; }

    /// <summary>Loop objects ready for the next call (tests: a call allocates nothing when one is).</summary>
    internal static int FreeLoops => Loop.FreeCount;

    /// <summary>One loop's shared state, queued once per helper. Reference-counted by the caller
    /// and each queued helper; the last to leave puts it back on the free list.</summary>
    private sealed class Loop : IThreadPoolWorkItem
    {
        private static readonly Lock FreeLock = new();
        private static readonly Stack<Loop> Free = new();

        private readonly ManualResetEventSlim _done = new(false);
        private Action<int>? _body;
        private int _count, _chunk, _next, _completed, _refs;
        private Exception? _error;

        public static int FreeCount
        {
            get
            {
                lock (FreeLock) return Free.Count;
            }
        }

        public static Loop Rent()
        {
            lock (FreeLock)
                if (Free.TryPop(out var loop)) return loop;
            return new Loop();
        }

        public void Start(Action<int> body, int count, int helpers)
        {
            _body = body;
            _count = count;
            // A few chunks per thread: few enough claims to be cheap, enough to even out the load.
            _chunk = Math.Max(1, count / (4 * (helpers + 1)));
            _next = 0;
            _completed = 0;
            _error = null;
            _done.Reset();
            _refs = helpers + 1;
        }

        void IThreadPoolWorkItem.Execute()
        {
            Work();
            Leave();
        }

        /// <summary>Claims chunks of indices and runs them until none are left.</summary>
        public void Work()
        {
            var body = _body!;
            while (true)
            {
                var start = Interlocked.Add(ref _next, _chunk) - _chunk;
                if (start >= _count) return;
                var end = Math.Min(_count, start + _chunk);
                for (var i = start; i < end; i++)
                {
                    try
                    {
                        body(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, e, null);
                    }
                }
                if (Interlocked.Add(ref _completed, end - start) == _count) _done.Set();
            }
        }

        /// <summary>Blocks until every index has run (the caller has stopped claiming by now).</summary>
        public Exception? WaitForAllIndices()
        {
            if (Volatile.Read(ref _completed) < _count) _done.Wait();
            return _error;
        }

        public void Leave()
        {
            if (Interlocked.Decrement(ref _refs) != 0) return;
            _body = null; // do not keep the caller's closure (and its tensors) alive
            _error = null;
            lock (FreeLock) Free.Push(this);
        }
    }
}
