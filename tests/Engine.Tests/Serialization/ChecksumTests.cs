using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Engine.Layers;
using Engine.Models;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Serialization;

/// <summary>The checkpoint's SHA-256 is what catches a damaged weight: one flipped byte inside a
/// weight's data (a change that still parses as a perfectly valid float) must give the checksum
/// error, not a model with a silently different weight.</summary>
public class ChecksumTests
{
    [Fact]
    public void OneFlippedWeightByteGivesTheChecksumError()
    {
        var dir = Path.Combine(Path.GetTempPath(), "engine-checksum-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "model.safetensors");
        using (var model = new Sequential([new Input(3), new Dense(2, activation: "softmax")], seed: 8))
        {
            model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
            model.Save(path);
        }
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var kernel = header.Single(kv => kv.Key.StartsWith("weights/", StringComparison.Ordinal) && kv.Key.EndsWith("kernel", StringComparison.Ordinal));
        var start = 8 + headerLength + (int)kernel.Value!["data_offsets"]![0]!;

        // The lowest mantissa byte of the kernel's first float: still finite, only slightly different.
        var flipped = (byte[])bytes.Clone();
        flipped[start] ^= 0x01;
        Assert.True(float.IsFinite(BitConverter.ToSingle(flipped, start)));
        var damaged = Path.Combine(dir, "flipped.safetensors");
        File.WriteAllBytes(damaged, flipped);

        var e = Assert.Throws<CheckpointFormatException>(() => Model.Load(damaged).Dispose());
        Assert.Contains("SHA-256 checksum does not match", e.Message);
        Assert.Contains("flipped.safetensors", e.Message);
        // Control: the untouched file loads.
        using var intact = Model.Load(path);
        Assert.Equal(2, intact.OutputShapes.Single().Value[0]);
    }
}
