using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary><c>CUlaunchConfig</c> (cuda.h): a launch's geometry, stream and attribute list.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CuLaunchConfig
{
    public uint GridDimX, GridDimY, GridDimZ;
    public uint BlockDimX, BlockDimY, BlockDimZ;
    public uint SharedMemBytes;
    public nint Stream;
    public CuLaunchAttribute* Attributes;
    public uint AttributeCount;
}

/// <summary><c>CUlaunchAttribute</c>: an id, padding to 8 bytes, and a 64-byte value union.</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct CuLaunchAttribute
{
    /// <summary><c>CU_LAUNCH_ATTRIBUTE_COOPERATIVE</c>: an <c>int</c>.</summary>
    public const int Cooperative = 2;

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION</c>: the value is three <c>unsigned int</c>s.</summary>
    public const int ClusterDimension = 4;

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE</c>: a <c>CUclusterSchedulingPolicy</c>.</summary>
    public const int ClusterSchedulingPolicyPreference = 5;

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION</c>: an <c>int</c>.</summary>
    public const int ProgrammaticStreamSerialization = 6;

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_PRIORITY</c>: an <c>int</c>.</summary>
    public const int Priority = 8;

    [FieldOffset(0)] public int Id;
    [FieldOffset(8)] public uint Value0;
    [FieldOffset(12)] public uint Value1;
    [FieldOffset(16)] public uint Value2;
}
