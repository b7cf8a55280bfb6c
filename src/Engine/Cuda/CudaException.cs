namespace Engine.Cuda;

/// <summary>A failed CUDA driver, NVRTC or cuBLAS call. The message names the status, the call
/// and, for kernel launches, the kernel.</summary>
public class CudaException : Exception
{
    public CudaException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    internal CudaException(string message, int status, string statusName, string call, string? kernel, bool poisonsContext)
        : base(message)
    {
        Status = status;
        StatusName = statusName;
        Call = call;
        Kernel = kernel;
        PoisonsContext = poisonsContext;
    }

    /// <summary>The numeric status (CUresult, nvrtcResult or cublasStatus_t), when a call failed.</summary>
    public int? Status { get; }

    /// <summary>"CUDA_ERROR_ILLEGAL_ADDRESS", "NVRTC_ERROR_COMPILATION", "CUBLAS_STATUS_INVALID_VALUE", …</summary>
    public string? StatusName { get; }

    /// <summary>The failing call as written in the source.</summary>
    public string? Call { get; }

    /// <summary>The kernel being launched (or the last one launched, for an asynchronous error).</summary>
    public string? Kernel { get; }

    /// <summary>True for the sticky errors (illegal address, launch failure, …) after which the
    /// CUDA context is unusable for the rest of the process.</summary>
    public bool PoisonsContext { get; }
}

/// <summary>The GPU has no room for an allocation, even after the cache was emptied.</summary>
public sealed class CudaOutOfMemoryException : CudaException
{
    internal CudaOutOfMemoryException(string device, long requestedBytes, long freeBytes, long totalBytes, long allocatedBytes, long reservedBytes)
        : base($"CUDA out of memory on {device}: tried to allocate {Bytes(requestedBytes)}; the GPU has {Bytes(freeBytes)} free of " +
               $"{Bytes(totalBytes)}; this process holds {Bytes(allocatedBytes)} in tensors and {Bytes(reservedBytes)} reserved " +
               "(the cache was emptied before giving up). Use a smaller batch size or dispose tensors you no longer need.")
    {
        RequestedBytes = requestedBytes;
        FreeBytes = freeBytes;
        TotalBytes = totalBytes;
    }

    public long RequestedBytes { get; }

    public long FreeBytes { get; }

    public long TotalBytes { get; }

    internal static string Bytes(long b) => b switch
    {
        >= 1L << 30 => $"{b / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{b / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{b / 1024.0:0.##} KiB",
        _ => $"{b} bytes",
    };
}

/// <summary>NVRTC rejected a kernel file; the message carries the file name and the compiler log.</summary>
public sealed class CudaCompileException : CudaException
{
    internal CudaCompileException(string fileName, string options, string log, string statusName)
        : base($"NVRTC could not compile {fileName} ({statusName}) with options [{options}]:{Environment.NewLine}{log.TrimEnd()}")
    {
        FileName = fileName;
        Log = log;
    }

    public string FileName { get; }

    public string Log { get; }
}

/// <summary>A CUDA library (driver, NVRTC or cuBLAS) is not installed where we looked; the message
/// lists every place searched.</summary>
public sealed class CudaLibraryNotFoundException : CudaException
{
    internal CudaLibraryNotFoundException(string library, string message) : base(message) => Library = library;

    public string Library { get; }
}
