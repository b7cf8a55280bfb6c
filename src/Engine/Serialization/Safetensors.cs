using Engine.Tensors;

namespace Engine.Serialization;

/// <summary>Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then raw little-endian data.
/// Files written here open in other tools (PyTorch's safetensors, etc.).</summary>
public static partial class Safetensors
{
}
