using Engine.Backends;
using Engine.Tensors;

namespace Engine.Cli.Training;

/// <summary>Turns --device into a device, saying which was chosen and why.</summary>
internal static class DeviceChoice
{
    public static Device? Parse(string text)
    {
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return Device.Parse(text);
        }
        catch (ArgumentException)
        {
            throw new UsageException($"--device must be auto, cpu, cuda or cuda:N; received '{text}'.");
        }
    }

    public static (Device Device, string Why) Resolve(string text)
    {
        var requested = Parse(text);
        if (requested is { IsCuda: false } cpu) return (cpu, "--device cpu");
        if (CudaBackend.IsAvailable)
            return (requested ?? Device.Cuda(), requested is null ? "a CUDA GPU is available" : $"--device {text}");
        if (requested is not null)
            throw new UsageException($"--device {text}: CUDA is not usable here: {CudaBackend.UnavailableReason} (run 'engine info' for details, or use --device cpu).");
        return (Device.Cpu, $"no usable CUDA GPU: {FirstLine(CudaBackend.UnavailableReason)}; 'engine info' says more");
    }

    private static string FirstLine(string? s) => (s ?? "unknown reason").Split('\n')[0].Trim().TrimEnd(':').Replace(", in order", "");
}
