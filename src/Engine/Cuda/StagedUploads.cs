namespace Engine.Cuda;

/// <summary>Uploads that do not wait for the GPU. A copy from ordinary (pageable) host memory makes
/// the driver wait for the stream, so every training step's batch upload would stall the CPU until
/// the previous step had finished on the GPU, and launching could never run ahead of the GPU. Small
/// uploads are instead copied into one of a few page-locked buffers and sent from there
/// asynchronously; an event per buffer says when it may be filled again (by then, almost always).</summary>
internal sealed unsafe class StagedUploads(DeviceContext context, nint stream) : IDisposable
{
    private const int StagingBufferCount = 4;

    /// <summary>Larger uploads (whole datasets, big weight files) take the pageable path: pinning that much memory is not worth it.</summary>
    private const long StagingLimitBytes = 64L << 20;

    private struct StagingBuffer
    {
        public nint Host;
        public long Capacity;
        public nint Done;
        public bool InFlight;
    }

    private readonly StagingBuffer[] _staging = new StagingBuffer[StagingBufferCount];
    private readonly Lock _stagingLock = new();
    private int _nextStaging;

    /// <summary>Copies <paramref name="bytes"/> from <paramref name="source"/> into a page-locked buffer
    /// and queues the upload from there; false (nothing done) when the copy is too large or no
    /// page-locked memory can be had, so the caller takes the waiting path.</summary>
    public bool TryUpload(ulong destination, void* source, long bytes, bool syncEachLaunch)
    {
        if (bytes > StagingLimitBytes) return false;
        lock (_stagingLock)
        {
            ref var buffer = ref _staging[_nextStaging];
            _nextStaging = (_nextStaging + 1) % StagingBufferCount;
            if (buffer.InFlight)
            {
                context.Check(Driver.cuEventSynchronize(buffer.Done));
                buffer.InFlight = false;
            }
            if (buffer.Capacity < bytes)
            {
                if (buffer.Host != 0) context.Check(Driver.cuMemFreeHost(buffer.Host));
                buffer.Host = 0;
                buffer.Capacity = 0;
                // Whole MiB steps, so a batch a few bytes larger does not reallocate.
                var size = (bytes + (1L << 20) - 1) & ~((1L << 20) - 1);
                var status = Driver.cuMemAllocHost_v2(out var host, (nuint)size);
                if (status == CuResult.OutOfMemory) return false;
                context.Check(status);
                buffer.Host = host;
                buffer.Capacity = size;
            }
            if (buffer.Done == 0) context.Check(Driver.cuEventCreate(out buffer.Done, Driver.EventDisableTiming));
            Buffer.MemoryCopy(source, (void*)buffer.Host, buffer.Capacity, bytes);
            context.Check(Driver.cuMemcpyHtoDAsync_v2(destination, (void*)buffer.Host, (nuint)bytes, stream));
            context.Check(Driver.cuEventRecord(buffer.Done, stream));
            buffer.InFlight = true;
            if (syncEachLaunch) context.Check(Driver.cuStreamSynchronize(stream));
            return true;
        }
    }

    /// <summary>Frees the page-locked buffers (the context is current and the stream synchronised).</summary>
    public void Dispose()
    {
        for (var i = 0; i < _staging.Length; i++)
        {
            ref var buffer = ref _staging[i];
            if (buffer.Host != 0) Driver.cuMemFreeHost(buffer.Host);
            if (buffer.Done != 0) Driver.cuEventDestroy_v2(buffer.Done);
            buffer = default;
        }
    }
}
