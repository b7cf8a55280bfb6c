using System.Runtime.CompilerServices;

namespace Engine.Cuda;

/// <summary>Turns a failed driver status into a <see cref="CudaException"/> that names the status,
/// the call (as written, via CallerArgumentExpression) and, for launches, the kernel.</summary>
internal static class CudaCheck
{
    public const string SyncVariable = "ENGINE_CUDA_SYNC";

    public static void ThrowIfFailed(CuResult status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CuResult.Success) throw Error(status, call, kernel: null, lastKernel: null);
    }

    /// <summary>The exception for a failed call. <paramref name="kernel"/> is the kernel being
    /// launched; <paramref name="lastKernel"/> the most recent launch, for errors that surface
    /// asynchronously at a later call.</summary>
    public static CudaException Error(CuResult status, string call, string? kernel, string? lastKernel)
    {
        var (name, text) = Driver.Describe(status);
        var subject = kernel is null ? name : $"{name} in kernel '{kernel}'";
        var message = $"{subject}: {(text.Length > 0 ? text : "no description")} (from {call}).";
        if (kernel is null && lastKernel is not null && status != CuResult.OutOfMemory)
            message += $" The most recent kernel launched was '{lastKernel}'; launches are asynchronous, so the error may come from it " +
                       $"(set {SyncVariable}=1 to synchronise after every launch and name the exact kernel).";
        if (status.IsSticky())
            message += " This error is sticky: the CUDA context is now unusable and every later call on it would fail the same way, " +
                       "so the backend refuses further work. Restart the process.";
        return new CudaException(message, (int)status, name, call, kernel ?? lastKernel, status.IsSticky());
    }
}
