using System.Runtime.InteropServices;
using Engine.Tensors;

namespace Engine.Serialization;

/// <summary>A tensor's raw little-endian bytes for writing and hashing checkpoints. A CPU tensor's
/// storage is read in place: saving a checkpoint every epoch then allocates no large arrays (each
/// would be large-object garbage that only a full collection returns, which made a long training
/// run's resident memory climb). Other devices are copied to the host.</summary>
internal static class TensorBytes
{
    public static ReadOnlySpan<byte> Of(Tensor t) => t.Storage is CpuStorage
        ? t.DType switch
        {
            DType.Float32 => MemoryMarshal.AsBytes<float>(t.Span<float>()),
            DType.Float64 => MemoryMarshal.AsBytes<double>(t.Span<double>()),
            _ => MemoryMarshal.AsBytes<int>(t.Span<int>()),
        }
        : t.DType switch
        {
            DType.Float32 => MemoryMarshal.AsBytes<float>(t.ToArray<float>()),
            DType.Float64 => MemoryMarshal.AsBytes<double>(t.ToArray<double>()),
            _ => MemoryMarshal.AsBytes<int>(t.ToArray<int>()),
        };
}
