namespace Engine.Cuda;

/// <summary>The CUresult codes this code reacts to by name (cuda.h). Any other value is passed
/// through and named by cuGetErrorName.</summary>
internal enum CuResult
{
    Success = 0,
    InvalidValue = 1,
    OutOfMemory = 2,
    NotInitialized = 3,
    Deinitialized = 4,
    NoDevice = 100,
    InvalidDevice = 101,
    InvalidImage = 200,
    InvalidContext = 201,
    NoBinaryForGpu = 209,
    EccUncorrectable = 214,
    InvalidPtx = 218,
    JitCompilerNotFound = 221,
    UnsupportedPtxVersion = 222,
    InvalidSource = 300,
    InvalidHandle = 400,
    NotFound = 500,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchOutOfResources = 701,
    LaunchTimeout = 702,
    Assert = 710,
    HardwareStackError = 714,
    IllegalInstruction = 715,
    MisalignedAddress = 716,
    InvalidAddressSpace = 717,
    InvalidPc = 718,
    LaunchFailed = 719,
    SystemDriverMismatch = 803,
    StreamCaptureUnsupported = 900,
    StreamCaptureInvalidated = 901,
    StreamCaptureWrongThread = 908,
    Unknown = 999,
}

internal static class CuResults
{
    /// <summary>Errors after which cuda.h says "the process must be terminated and relaunched"
    /// (every later call on the context returns the same error): the faults of a running kernel,
    /// a device-side assert (710), an uncorrectable ECC error (214); and CUDA_ERROR_UNKNOWN (999),
    /// which the driver returns when it cannot say what broke, so nothing later can be trusted.</summary>
    public static bool IsSticky(this CuResult r) => r is CuResult.IllegalAddress or CuResult.LaunchTimeout
        or CuResult.HardwareStackError or CuResult.IllegalInstruction or CuResult.MisalignedAddress
        or CuResult.InvalidAddressSpace or CuResult.InvalidPc or CuResult.LaunchFailed
        or CuResult.Assert or CuResult.EccUncorrectable or CuResult.Unknown;

    /// <summary>Errors of cuModuleLoadData that mean "this image is not for this driver or GPU":
    /// a cubin is then retried as PTX (see <see cref="ModuleImages"/>).</summary>
    public static bool IsImageRefusal(this CuResult r) => r is CuResult.InvalidImage or CuResult.NoBinaryForGpu
        or CuResult.InvalidPtx or CuResult.UnsupportedPtxVersion or CuResult.JitCompilerNotFound or CuResult.InvalidSource;

    /// <summary>Used when the driver cannot name a code itself.</summary>
    public static string FallbackName(this CuResult r) => r switch
    {
        CuResult.Success => "CUDA_SUCCESS",
        CuResult.InvalidValue => "CUDA_ERROR_INVALID_VALUE",
        CuResult.OutOfMemory => "CUDA_ERROR_OUT_OF_MEMORY",
        CuResult.NotInitialized => "CUDA_ERROR_NOT_INITIALIZED",
        CuResult.NoDevice => "CUDA_ERROR_NO_DEVICE",
        CuResult.InvalidDevice => "CUDA_ERROR_INVALID_DEVICE",
        CuResult.InvalidImage => "CUDA_ERROR_INVALID_IMAGE",
        CuResult.NoBinaryForGpu => "CUDA_ERROR_NO_BINARY_FOR_GPU",
        CuResult.EccUncorrectable => "CUDA_ERROR_ECC_UNCORRECTABLE",
        CuResult.InvalidPtx => "CUDA_ERROR_INVALID_PTX",
        CuResult.JitCompilerNotFound => "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
        CuResult.InvalidSource => "CUDA_ERROR_INVALID_SOURCE",
        CuResult.UnsupportedPtxVersion => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        CuResult.IllegalAddress => "CUDA_ERROR_ILLEGAL_ADDRESS",
        CuResult.LaunchOutOfResources => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        CuResult.LaunchFailed => "CUDA_ERROR_LAUNCH_FAILED",
        CuResult.Assert => "CUDA_ERROR_ASSERT",
        CuResult.Unknown => "CUDA_ERROR_UNKNOWN",
        CuResult.StreamCaptureUnsupported => "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
        CuResult.StreamCaptureInvalidated => "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
        CuResult.StreamCaptureWrongThread => "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD",
        _ => $"CUresult {(int)r}",
    };
}
