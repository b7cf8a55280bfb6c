using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Tests.Serialization;

public class SafetensorsTests
{
    /// <summary>A small file with every dtype, a scalar, an empty tensor and metadata.</summary>
    internal static Dictionary<string, Tensor> Sample() => new()
    {
        ["conv.weight"] = Tensor.FromArray([1.5f, -2f, float.NaN, float.PositiveInfinity, -0f, 3.25f], 2, 3),
        ["dense.bias"] = Tensor.FromArray([0.1, -1e300, double.Epsilon], 3),
        ["labels"] = Tensor.FromArray([7, -1, int.MaxValue, 0], 2, 2),
        ["step"] = Tensor.Scalar(42, DType.Float64),
        ["empty"] = Tensor.Zeros(new Shape(2, 0, 3)),
    };

    internal static readonly Dictionary<string, string> SampleMetadata = new() { ["format"] = "engine", ["epoch"] = "3", ["note"] = "ünïcode + <json>" };

    internal static byte[] SampleBytes()
    {
        using var ms = new MemoryStream();
        Safetensors.Write(ms, Sample(), SampleMetadata);
        return ms.ToArray();
    }

    [Fact]
    public void Round_trip_keeps_every_dtype_shape_and_bit()
    {
        var path = TempFile();
        var original = Sample();
        Safetensors.Save(path, original, SampleMetadata);
        var (tensors, metadata) = Safetensors.Load(path);

        Assert.Equal(original.Keys.Order(), tensors.Keys.Order());
        foreach (var (name, t) in original)
        {
            var back = tensors[name];
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(t.DType, back.DType);
            Assert.Equal(Device.Cpu, back.Device);
            switch (t.DType)
            {
                case DType.Float32: Assert.Equal(Bits(t.ToArray<float>()), Bits(back.ToArray<float>())); break;
                case DType.Float64: Assert.Equal(t.ToArray<double>().Select(BitConverter.DoubleToInt64Bits), back.ToArray<double>().Select(BitConverter.DoubleToInt64Bits)); break;
                default: Assert.Equal(t.ToArray<int>(), back.ToArray<int>()); break;
            }
        }
        Assert.Equal(SampleMetadata, metadata);
        File.Delete(path);
    }

    private static IEnumerable<int> Bits(float[] a) => a.Select(BitConverter.SingleToInt32Bits);

    [Fact]
    public void Layout_follows_the_spec()
    {
        var bytes = SampleBytes();
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8); // data starts 8-byte aligned
        var header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.Equal(header.TrimEnd(' '), header.TrimEnd(' ').Trim()); // only trailing spaces pad
        using var doc = JsonDocument.Parse(header);
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["__metadata__", "conv.weight", "dense.bias", "empty", "labels", "step"], names);
        var w = doc.RootElement.GetProperty("conv.weight");
        Assert.Equal("F32", w.GetProperty("dtype").GetString());
        Assert.Equal([2, 3], w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0L, 24L], w.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("I32", doc.RootElement.GetProperty("labels").GetProperty("dtype").GetString());
        Assert.Equal("F64", doc.RootElement.GetProperty("step").GetProperty("dtype").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("step").GetProperty("shape").GetArrayLength());
        // 24 + 24 + 0 + 16 + 8 data bytes follow the header, nothing more.
        Assert.Equal(8 + n + 72, bytes.Length);
    }

    [Fact]
    public void Reads_a_file_written_by_the_reference_implementation()
    {
        // safetensors.torch.save_file({"test": torch.zeros(2, 2)}) writes this header (padded to 8) and 16 zero bytes.
        var json = "{\"test\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        var (tensors, metadata) = Load(Build(json, new byte[16]));
        Assert.Empty(metadata);
        Assert.Equal(new Shape(2, 2), tensors["test"].Shape);
        Assert.Equal(new float[4], tensors["test"].ToArray<float>());
    }

    [Fact]
    public void Every_truncation_gives_the_typed_error()
    {
        var bytes = SampleBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<CheckpointFormatException>(() => Safetensors.Read(new MemoryStream(bytes, 0, length), "ckpt.safetensors"));
            Assert.Contains("ckpt.safetensors", e.Message);
        }
    }

    [Fact]
    public void Truncated_file_on_disk_names_the_file()
    {
        var path = TempFile();
        File.WriteAllBytes(path, SampleBytes()[..^5]);
        var e = Assert.Throws<CheckpointFormatException>(() => Safetensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FilePath);
        File.Delete(path);
    }

    [Fact]
    public void Random_byte_flips_load_or_give_the_typed_error_only()
    {
        var original = SampleBytes();
        var rng = new Rng(1234);
        int loaded = 0, rejected = 0;
        for (var trial = 0; trial < 4000; trial++)
        {
            var bytes = (byte[])original.Clone();
            var flips = 1 + rng.NextInt(3);
            for (var f = 0; f < flips; f++)
                bytes[rng.NextInt(bytes.Length)] ^= (byte)(1 + rng.NextInt(255));
            try
            {
                Safetensors.Read(new MemoryStream(bytes), "fuzz");
                loaded++;
            }
            catch (CheckpointFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}");
            }
        }
        // Flips in the tensor data still load; flips in the header mostly do not.
        Assert.True(loaded > 100 && rejected > 100, $"loaded {loaded}, rejected {rejected}");
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, "not valid JSON")]
    [InlineData("[1,2]", 0, "expected an object")]
    [InlineData("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "'BF16'")]
    [InlineData("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "no 'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "whole number >= 0")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "needs 8 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "4 bytes after the last tensor")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "hole")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, "beyond the 0 data bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "begin is after end")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "twice")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, "must be strings")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}", 4, "more than")]
    [InlineData("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "")]
    [InlineData("{\"__metadata__\":{\"k\":\"\\udc00\"}}", 0, "")]
    public void Malformed_headers_are_named(string json, int dataBytes, string expected)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => Load(Build(json, new byte[dataBytes])));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_reported()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        var e = Assert.Throws<CheckpointFormatException>(() => Load(bytes));
        Assert.Contains("header length is 1000 bytes, beyond the end of the file (16 bytes)", e.Message);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.Throws<CheckpointFormatException>(() => Load(bytes));
    }

    [Fact]
    public void Reserved_and_null_names_are_refused_when_saving()
    {
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Write(new MemoryStream(), new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Zeros(new Shape(1)) }));
        Assert.Contains("reserved", e.Message);
    }

    [Fact]
    public void Empty_dictionary_round_trips()
    {
        using var ms = new MemoryStream();
        Safetensors.Write(ms, new Dictionary<string, Tensor>());
        ms.Position = 0;
        var (tensors, metadata) = Safetensors.Read(ms);
        Assert.Empty(tensors);
        Assert.Empty(metadata);
    }

    internal static byte[] Build(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private static (Dictionary<string, Tensor>, Dictionary<string, string>) Load(byte[] bytes) => Safetensors.Read(new MemoryStream(bytes), "test.safetensors");

    internal static string TempFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "engine-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, "model.safetensors");
    }
}
