using System.Runtime.InteropServices;

namespace Engine.Cuda;

/// <summary>The CUDA driver API (libcuda.so.1), bound by the exact versioned symbol names that
/// cuda.h maps the plain names to since CUDA 11 (cuMemAlloc → cuMemAlloc_v2, …), so the same
/// binary works from driver 11.8 to 13. Handles are nint; device pointers are ulong (CUdeviceptr);
/// sizes are nuint (size_t). Callers check every result with <see cref="CudaCheck"/>.</summary>
internal static unsafe partial class Driver
{
    private const string Lib = "cuda";

    // ---- initialisation, devices --------------------------------------------------------------
    [LibraryImport(Lib)] public static partial CuResult cuInit(uint flags);
    [LibraryImport(Lib)] public static partial CuResult cuDriverGetVersion(out int version);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGetCount(out int count);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceGetAttribute(out int value, DeviceAttribute attribute, int device);
    [LibraryImport(Lib)] public static partial CuResult cuDeviceTotalMem_v2(out nuint bytes, int device);
    [LibraryImport(Lib)] public static partial CuResult cuGetErrorName(CuResult error, out nint name);
    [LibraryImport(Lib)] public static partial CuResult cuGetErrorString(CuResult error, out nint text);

    // ---- contexts: the device's primary context, made current per thread ----------------------
    [LibraryImport(Lib)] public static partial CuResult cuDevicePrimaryCtxRetain(out nint context, int device);
    [LibraryImport(Lib)] public static partial CuResult cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Lib)] public static partial CuResult cuCtxPushCurrent_v2(nint context);
    [LibraryImport(Lib)] public static partial CuResult cuCtxPopCurrent_v2(out nint context);
    [LibraryImport(Lib)] public static partial CuResult cuCtxSetCurrent(nint context);
    [LibraryImport(Lib)] public static partial CuResult cuCtxGetCurrent(out nint context);
    [LibraryImport(Lib)] public static partial CuResult cuCtxSynchronize();

    // ---- memory ---------------------------------------------------------------------------------
    [LibraryImport(Lib)] public static partial CuResult cuMemAlloc_v2(out ulong pointer, nuint bytes);
    [LibraryImport(Lib)] public static partial CuResult cuMemFree_v2(ulong pointer);
    [LibraryImport(Lib)] public static partial CuResult cuMemGetInfo_v2(out nuint free, out nuint total);
    [LibraryImport(Lib)] public static partial CuResult cuMemAllocHost_v2(out nint pointer, nuint bytes);
    [LibraryImport(Lib)] public static partial CuResult cuMemFreeHost(nint pointer);
    [LibraryImport(Lib)] public static partial CuResult cuMemcpyHtoD_v2(ulong destination, void* source, nuint bytes);
    [LibraryImport(Lib)] public static partial CuResult cuMemcpyDtoH_v2(void* destination, ulong source, nuint bytes);
    [LibraryImport(Lib)] public static partial CuResult cuMemcpyDtoD_v2(ulong destination, ulong source, nuint bytes);
    [LibraryImport(Lib)] public static partial CuResult cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuMemsetD32_v2(ulong destination, uint value, nuint count);
    [LibraryImport(Lib)] public static partial CuResult cuMemsetD8_v2(ulong destination, byte value, nuint count);
    // The stream-ordered memsets never had a _v2.
    [LibraryImport(Lib)] public static partial CuResult cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    // ---- streams and events ---------------------------------------------------------------------
    public const uint StreamNonBlocking = 1;     // CU_STREAM_NON_BLOCKING: no implicit sync with stream 0
    public const uint EventDefault = 0;          // CU_EVENT_DEFAULT (timing enabled)
    public const uint EventDisableTiming = 2;    // CU_EVENT_DISABLE_TIMING

    [LibraryImport(Lib)] public static partial CuResult cuStreamCreate(out nint stream, uint flags);
    [LibraryImport(Lib)] public static partial CuResult cuStreamDestroy_v2(nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuStreamSynchronize(nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuEventCreate(out nint evt, uint flags);
    [LibraryImport(Lib)] public static partial CuResult cuEventDestroy_v2(nint evt);
    [LibraryImport(Lib)] public static partial CuResult cuEventRecord(nint evt, nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuEventSynchronize(nint evt);
    [LibraryImport(Lib)] public static partial CuResult cuEventElapsedTime(out float milliseconds, nint start, nint end);

    // ---- modules and launches -------------------------------------------------------------------
    [LibraryImport(Lib)] public static partial CuResult cuModuleLoadData(out nint module, void* image);
    [LibraryImport(Lib)] public static partial CuResult cuModuleUnload(nint module);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CuResult cuModuleGetFunction(out nint function, nint module, string name);
    [LibraryImport(Lib)]
    public static partial CuResult cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    // ---- graphs: a whole training step captured once and replayed (CudaGraph) -------------------
    public const int CaptureModeGlobal = 0;      // CU_STREAM_CAPTURE_MODE_GLOBAL: unsafe calls from any thread fail
    public const int CaptureModeThreadLocal = 1; // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: unsafe calls from the capturing thread fail
    public const int CaptureModeRelaxed = 2;     // CU_STREAM_CAPTURE_MODE_RELAXED: no unsafe-call checks

    [LibraryImport(Lib)] public static partial CuResult cuStreamBeginCapture_v2(nint stream, int mode);
    /// <summary>Swaps the calling thread's capture interaction mode (push/pop around one call).</summary>
    [LibraryImport(Lib)] public static partial CuResult cuThreadExchangeStreamCaptureMode(ref int mode);
    [LibraryImport(Lib)] public static partial CuResult cuStreamEndCapture(nint stream, out nint graph);
    [LibraryImport(Lib)] public static partial CuResult cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);
    [LibraryImport(Lib)] public static partial CuResult cuGraphLaunch(nint graphExec, nint stream);
    [LibraryImport(Lib)] public static partial CuResult cuGraphExecDestroy(nint graphExec);
    [LibraryImport(Lib)] public static partial CuResult cuGraphDestroy(nint graph);

    /// <summary>"CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access was encountered".</summary>
    public static (string Name, string Text) Describe(CuResult r)
    {
        var name = r.FallbackName();
        var text = "";
        try
        {
            if (cuGetErrorName(r, out var n) == CuResult.Success && n != 0) name = Marshal.PtrToStringUTF8(n) ?? name;
            if (cuGetErrorString(r, out var s) == CuResult.Success && s != 0) text = Marshal.PtrToStringUTF8(s) ?? "";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
        return (name, text);
    }
}

/// <summary>The CUdevice_attribute values we query (cuda.h).</summary>
internal enum DeviceAttribute
{
    MaxThreadsPerBlock = 1,
    MaxSharedMemoryPerBlock = 8,
    WarpSize = 10,
    MultiprocessorCount = 16,
    PciBusId = 33,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
}
