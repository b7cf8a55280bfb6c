using System.CommandLine;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Engine.Cuda;

namespace Engine.Cli.Commands;

/// <summary>`engine info`: what Engine can use on this machine — CPU, SIMD width, and the CUDA GPU,
/// driver, NVRTC and cuBLAS (versions and where each library was loaded from).</summary>
internal static class InfoCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("info", "Show the CPU and CUDA setup Engine will use.");
        command.SetAction(_ =>
        {
            var o = console.Out;
            o.WriteLine($"Engine {typeof(Engine.Tensors.Tensor).Assembly.GetName().Version}");
            o.WriteLine($".NET {Environment.Version} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})");
            o.WriteLine($"CPU: {Environment.ProcessorCount} logical cores; SIMD: " +
                        (Vector512.IsHardwareAccelerated ? "AVX-512 (512-bit)" : Vector256.IsHardwareAccelerated ? "AVX2 (256-bit)" : Vector128.IsHardwareAccelerated ? "128-bit" : "none"));
            o.WriteLine(CudaInfo.Query().ToString());
            return Cli.Ok;
        });
        return command;
    }
}
