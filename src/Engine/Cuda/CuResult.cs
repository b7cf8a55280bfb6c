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
    InvalidPtx = 218,
    UnsupportedPtxVersion = 222,
    InvalidHandle = 400,
    NotFound = 500,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchOutOfResources = 701,
    LaunchTimeout = 702,
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
    /// <summary>Errors after which cuda.h says "the process must be terminated and relaunched":
    /// every later call on the context returns the same error.</summary>
    public static bool IsSticky(this CuResult r) => r is CuResult.IllegalAddress or CuResult.LaunchTimeout
        or CuResult.HardwareStackError or CuResult.IllegalInstruction or CuResult.MisalignedAddress
        or CuResult.InvalidAddressSpace or CuResult.InvalidPc or CuResult.LaunchFailed;

    /// <summary>Used when the driver cannot name a code itself.</summary>
    public static string FallbackName(this CuResult r) => r switch
    {
        CuResult.Success => "CUDA_SUCCESS",
        CuResult.InvalidValue => "CUDA_ERROR_INVALID_VALUE",
        CuResult.OutOfMemory => "CUDA_ERROR_OUT_OF_MEMORY",
        CuResult.NotInitialized => "CUDA_ERROR_NOT_INITIALIZED",
        CuResult.NoDevice => "CUDA_ERROR_NO_DEVICE",
        CuResult.InvalidDevice => "CUDA_ERROR_INVALID_DEVICE",
        CuResult.InvalidPtx => "CUDA_ERROR_INVALID_PTX",
        CuResult.UnsupportedPtxVersion => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        CuResult.IllegalAddress => "CUDA_ERROR_ILLEGAL_ADDRESS",
        CuResult.LaunchOutOfResources => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        CuResult.LaunchFailed => "CUDA_ERROR_LAUNCH_FAILED",
        CuResult.StreamCaptureUnsupported => "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
        CuResult.StreamCaptureInvalidated => "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
        CuResult.StreamCaptureWrongThread => "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD",
        _ => $"CUresult {(int)r}",
    };
}
