using System.Runtime.InteropServices;

namespace Engine.Cuda;

/// <summary>The PTX type of one kernel parameter, as NVRTC declares it (.param .u64 / .u32 / .f32 / .f64).</summary>
internal enum KernelArgKind : byte
{
    Pointer,
    Int32,
    UInt64,
    Float32,
    Float64,
}

/// <summary>One kernel argument by value, in an 8-byte slot: cuLaunchKernel reads as many bytes
/// from each slot as the kernel's parameter has (4 or 8), and the low bytes come first on every
/// little-endian machine CUDA runs on. The kind is kept so that launches can be checked against
/// the parameter list in the PTX. Implicit conversions make a launch read like a call:
/// <c>Launch("relu_forward", Grid1D(n), Ptr(x), Ptr(y), n)</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct KernelArg
{
    public readonly ulong Bits;
    public readonly KernelArgKind Kind;

    private KernelArg(ulong bits, KernelArgKind kind)
    {
        Bits = bits;
        Kind = kind;
    }

    public static KernelArg Pointer(ulong devicePointer) => new(devicePointer, KernelArgKind.Pointer);

    public static implicit operator KernelArg(int v) => new((uint)v, KernelArgKind.Int32);

    public static implicit operator KernelArg(uint v) => new(v, KernelArgKind.Int32);

    public static implicit operator KernelArg(long v) => new((ulong)v, KernelArgKind.UInt64);

    public static implicit operator KernelArg(ulong v) => new(v, KernelArgKind.UInt64);

    public static implicit operator KernelArg(float v) => new(BitConverter.SingleToUInt32Bits(v), KernelArgKind.Float32);

    public static implicit operator KernelArg(double v) => new(BitConverter.DoubleToUInt64Bits(v), KernelArgKind.Float64);

    public static implicit operator KernelArg(bool v) => new(v ? 1u : 0u, KernelArgKind.Int32);

    public override string ToString() => Kind switch
    {
        KernelArgKind.Pointer => $"ptr 0x{Bits:x}",
        KernelArgKind.Int32 => $"int {(int)(uint)Bits}",
        KernelArgKind.UInt64 => $"u64 {Bits}",
        KernelArgKind.Float32 => $"float {BitConverter.UInt32BitsToSingle((uint)Bits)}",
        _ => $"double {BitConverter.UInt64BitsToDouble(Bits)}",
    };
}

/// <summary>A launch configuration: grid and block sizes (x only, or x and y) and dynamic shared memory.</summary>
internal readonly record struct LaunchShape(uint GridX, uint BlockX, uint GridY = 1, uint BlockY = 1, uint SharedBytes = 0)
{
    /// <summary>No work: the launch is skipped (a zero grid is an error for the driver).</summary>
    public bool IsEmpty => GridX == 0 || GridY == 0;

    public override string ToString() => $"grid ({GridX}, {GridY}), block ({BlockX}, {BlockY}), {SharedBytes} B shared";
}
