using System.Runtime.InteropServices;

namespace Engine.Cuda;

/// <summary>NVRTC, the runtime CUDA C++ compiler (libnvrtc.so.13/.12/.11.2): PTX for a virtual
/// architecture, or a cubin for the device's real one (see <see cref="ModuleImages"/>).</summary>
internal static unsafe partial class Nvrtc
{
    private const string Lib = "nvrtc";

    public const int Success = 0;
    public const int ErrorCompilation = 6;

    [LibraryImport(Lib)] public static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(Lib)] public static partial int nvrtcGetNumSupportedArchs(out int count);
    [LibraryImport(Lib)] public static partial int nvrtcGetSupportedArchs(int* archs);
    [LibraryImport(Lib)]
    public static partial int nvrtcCreateProgram(out nint program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);
    [LibraryImport(Lib)] public static partial int nvrtcCompileProgram(nint program, int optionCount, byte** options);
    [LibraryImport(Lib)] public static partial int nvrtcGetProgramLogSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial int nvrtcGetProgramLog(nint program, byte* log);
    [LibraryImport(Lib)] public static partial int nvrtcGetPTXSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial int nvrtcGetPTX(nint program, byte* ptx);
    /// <summary>Machine code (cubin) for the sm_XX named by --gpu-architecture; NVRTC 11.1 and later.</summary>
    [LibraryImport(Lib)] public static partial int nvrtcGetCUBINSize(nint program, out nuint size);
    [LibraryImport(Lib)] public static partial int nvrtcGetCUBIN(nint program, byte* cubin);
    [LibraryImport(Lib)] public static partial int nvrtcDestroyProgram(ref nint program);
    [LibraryImport(Lib)] public static partial nint nvrtcGetErrorString(int result);

    /// <summary>"NVRTC_ERROR_COMPILATION".</summary>
    public static string Name(int result)
    {
        try
        {
            return Marshal.PtrToStringUTF8(nvrtcGetErrorString(result)) ?? $"nvrtcResult {result}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"nvrtcResult {result}";
        }
    }
}
